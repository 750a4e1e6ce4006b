import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { WalSync } from './wal-sync';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /**
   * `full`: what `sync()` resolves for is on disk (durable across power loss); `normal` in WAL mode
   * survives a process crash but may lose the last commits on power loss. Group commit keeps `full` fast.
   */
  synchronous?: SqliteSynchronous;
}

/** How often the checkpointing thread copies the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 250;
/** The WAL size (pages) at which the event loop's connection checkpoints by itself: SQLite's default is 1,000. */
const BACKSTOP_CHECKPOINT_PAGES = 16_000;
/** The checkpointing thread: its own connection, a PASSIVE checkpoint on a timer (one already under way elsewhere makes it skip a turn). */
const CHECKPOINTER_SOURCE = `
const { DatabaseSync } = require('node:sqlite');
const { workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.path);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // SQLITE_BUSY (another connection is checkpointing) or a transient I/O error: the next turn tries again.
  }
}, workerData.intervalMs);
`;

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

  /** Checkpoints the WAL into the database file from a thread of its own (see startCheckpointer); null for `:memory:`. */
  private readonly checkpointer: Worker | null;
  /** Flushes the WAL off the event loop at `full`; null where nothing is to be flushed (`normal`, `:memory:`) or SQLite does it (no WAL). */
  private readonly walSync: WalSync | null;

  constructor(readonly options: SqliteOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec('PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    const { journal_mode: journalMode } = this.db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
    // Every commit is made at NORMAL (written to the WAL, not flushed); at `full`, sync() flushes it
    // off the event loop before an append is acknowledged. Without a WAL (a file system that refuses
    // one) SQLite flushes each commit itself at FULL.
    const flushedBySync = options.synchronous !== 'normal' && options.path !== ':memory:' && journalMode === 'wal';
    this.walSync = flushedBySync ? new WalSync(`${options.path}-wal`) : null;
    this.db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' || flushedBySync ? 'NORMAL' : 'FULL'}`);
    this.checkpointer = journalMode === 'wal' ? this.startCheckpointer() : null;
  }

  /**
   * SQLite checkpoints the WAL from the connection whose commit takes it past 1,000 pages: it copies
   * those pages into the database file and fsyncs both files, on the event loop's thread, in the
   * middle of whatever commit crossed the line (a projection's, a deploy's). A second connection on a
   * thread of its own checkpoints instead, every CHECKPOINT_INTERVAL_MS, without waiting for readers
   * or writers (PASSIVE). The event loop's own automatic checkpoint stays as a backstop, at a WAL 16
   * times larger, should that thread fall behind or stop.
   */
  private startCheckpointer(): Worker {
    this.db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { path: this.options.path, intervalMs: CHECKPOINT_INTERVAL_MS } });
    worker.unref();
    worker.on('error', () => undefined);
    return worker;
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
   * Resolves once every commit made before the call is on disk: at `full`, each acknowledged event
   * append waits for it. Other commits (read-model documents, checkpoints, leases: derived, rebuildable
   * state) do not: they reach the disk with the next event append's flush, since the WAL is flushed
   * in order. A power cut may lose such a commit, and losing it only means applying some events again
   * from an older checkpoint, which the position guards make harmless.
   */
  sync(): Promise<void> {
    return this.walSync?.sync() ?? Promise.resolve();
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
    void this.checkpointer?.terminate();
    this.walSync?.close();
    if (this.db.isOpen) this.db.close();
  }
}
