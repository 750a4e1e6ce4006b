import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /**
   * `full` fsyncs every commit (durable across power loss); `normal` in WAL mode survives a
   * process crash but may lose the last commits on power loss. Group commit keeps `full` fast.
   */
  synchronous?: SqliteSynchronous;
}

/** SQLite rolled back the whole transaction while a nested level ran (e.g. the disk is full): nothing of it was committed. */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
  constructor(override readonly cause: unknown) {
    super(`the transaction was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * One SQLite file shared by the event store and the read store, so that a projection's documents
 * and its checkpoint commit in one transaction. node:sqlite is synchronous: a transaction never
 * spans an await, so writers in this process cannot interleave.
 */
export class SqliteDatabase {
  readonly db: DatabaseSync;
  private depth = 0;
  private readonly statements = new Map<string, StatementSync>();

  constructor(readonly options: SqliteOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL;
      PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'};
      PRAGMA busy_timeout = 5000;
      PRAGMA foreign_keys = ON;`);
  }

  /** A prepared statement, compiled once per SQL text. */
  prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `work` in one write transaction (BEGIN IMMEDIATE); nested calls become savepoints.
   *
   * On some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…) SQLite rolls the whole transaction
   * back by itself: then there is no savepoint left to roll back to, and what the enclosing levels
   * did is gone too. A nested level reports that as TransactionAbortedError, so that no enclosing
   * level mistakes its earlier work for committed.
   */
  transaction<T>(work: () => T): T {
    const outermost = this.depth === 0;
    const savepoint = `sp${this.depth}`;
    this.db.exec(outermost ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.depth++;
    let result: T;
    try {
      result = work();
    } catch (error) {
      this.depth--;
      throw this.undo(outermost, savepoint, error);
    }
    this.depth--;
    try {
      this.db.exec(outermost ? 'COMMIT' : `RELEASE ${savepoint}`);
    } catch (error) {
      throw this.undo(outermost, savepoint, error);
    }
    return result;
  }

  /** Rolls this level back if SQLite has not already rolled everything back; answers the error to throw. */
  private undo(outermost: boolean, savepoint: string, error: unknown): unknown {
    if (!this.db.isTransaction) return outermost || error instanceof TransactionAbortedError ? error : new TransactionAbortedError(error);
    if (outermost) this.db.exec('ROLLBACK');
    else this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    return error;
  }

  /**
   * Runs writes of derived, rebuildable state (read-model documents, checkpoints, leases) whose
   * commits need not be fsynced before they return: at synchronous=NORMAL, WAL mode appends the
   * commit to the WAL and the next durable commit (an event append, at FULL) fsyncs it along.
   * A power cut may lose such a commit — never order it after a later durable one — and losing
   * it only means applying some events again from an older checkpoint, which the position guards
   * make harmless. Events are always committed at the configured level. node:sqlite blocks the
   * event loop during an fsync, so this keeps a dozen checkpoint commits per event off it.
   */
  relaxed<T>(work: () => T): T {
    if (this.options.synchronous === 'normal' || this.depth > 0 || this.options.path === ':memory:') return work();
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.db.exec('PRAGMA synchronous = FULL');
    }
  }

  /** A consistent snapshot for several reads (WAL readers never block the writer). */
  snapshot<T>(work: () => T): T {
    if (this.depth > 0) return work();
    this.db.exec('BEGIN');
    this.depth++;
    try {
      return work();
    } finally {
      this.depth--;
      this.db.exec('COMMIT');
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
