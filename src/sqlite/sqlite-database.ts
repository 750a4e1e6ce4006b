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

  /** Runs `work` in one write transaction (BEGIN IMMEDIATE); nested calls become savepoints. */
  transaction<T>(work: () => T): T {
    const savepoint = `sp${this.depth}`;
    this.db.exec(this.depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.depth++;
    try {
      const result = work();
      this.depth--;
      this.db.exec(this.depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
      return result;
    } catch (error) {
      this.depth--;
      if (this.depth === 0) this.db.exec('ROLLBACK');
      else this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw error;
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
