import type { StatementSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isRecord } from '../shared/is-record';
import { TransactionAbortedError, type SqliteDatabase } from '../sqlite/sqlite-database';
import {
  LeaseLostError,
  assertFieldPath,
  isAnyOf,
  parseCollectionName,
  physicalName,
  type CheckpointUpdate,
  type DocumentWrite,
  type FieldValue,
  type FindQuery,
  type IndexedField,
  INDEXED_FIELDS,
  INDEX_THEN_BY,
  assertKeyset,
  type KnownDocument,
  type ReadStore,
  type StoredDocument,
  type LeaseHolder,
} from './read-store';

/** Rows deleted per statement when a collection version is dropped. */
const DROP_SLICE = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rs_documents (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT,
  position INTEGER NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rs_checkpoints (
  name TEXT PRIMARY KEY,
  position INTEGER,
  owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rs_collections (
  logical TEXT PRIMARY KEY,
  active TEXT NOT NULL,
  versions INTEGER NOT NULL
);
`;

/**
 * The indexes of the fields `find` selects on (INDEXED_FIELDS), each with the fields its order goes on by
 * (INDEX_THEN_BY), over the columns of FIELD_COLUMNS:
 * - project, name: the graphs of a project (list route, release-name clashes on deploy) without reading every
 *   graph; in name order, so the lists (a project's, and every project's by project then name) read one page;
 * - awaitsCluster: the graphs waiting for a cluster (one they had approved, or any, their placement having failed): a
 *   cluster that joins or comes back places them;
 * - graphId: a graph's placement decisions (GET /graphs/{g}/placements) without reading every graph's;
 * - placedMinute: the ledger's graphs placed in the last minutes (each placement decision);
 * - kind: the documents of one kind in a collection of two (the clusters' load series, not the graphs').
 */
const FIELD_INDEXES: Readonly<Record<IndexedField, string>> = {
  project: 'rs_fields_project_name',
  awaitsCluster: 'rs_fields_awaits_cluster',
  graphId: 'rs_fields_graph_id',
  placedMinute: 'rs_fields_placed_minute',
  kind: 'rs_fields_kind',
};

/**
 * The fields kept in columns of their own beside the document (`f_<field>`), written with it from the object
 * being written. Indexes over `json_extract(doc, …)`, as before, made SQLite parse the whole JSON text once per
 * index on every write, and the replaced document's too: 4 ms for a 250 KB graph document (300 services),
 * 14 ms at 900 KB, where the write itself takes 0.6.
 */
const FIELD_COLUMNS: readonly string[] = [...new Set(INDEXED_FIELDS.flatMap((field) => [field, ...INDEX_THEN_BY[field]]))];

/** The expression indexes of SMO before FIELD_COLUMNS: dropped, each write paid for them. */
const EXPRESSION_INDEXES = ['rs_documents_project', 'rs_documents_project_name', 'rs_documents_awaits_cluster', 'rs_documents_graph_id', 'rs_documents_placed_minute', 'rs_documents_kind'];

function fieldColumn(field: string): string {
  return `f_${field}`;
}

/** The SET list that reads each field column from a document's JSON text (`source`: `doc` or `NEW.doc`). */
function fieldsFromJson(source: string): string {
  return [...FIELD_COLUMNS.map((field) => `${fieldColumn(field)} = json_extract(${source}, '$.${field}')`), `fields_position = ${source === 'doc' ? 'position' : 'NEW.position'}`].join(', ');
}

/**
 * Adds the field columns to a store made before them and fills them once from the documents (the rows are
 * rewritten: about 12 s for 100,000 documents of 4 KB here, before SMO listens), and keeps them filled for any
 * writer that does not write them (an older SMO on the same file, during an upgrade or after a rollback):
 * `fields_position` is the document position its fields were read at, and a row whose position differs (written
 * by such a writer) has them read from its JSON by a trigger, which stays in the file whichever SMO runs. SMO
 * writes them itself, so the triggers' condition is false for its writes and they cost nothing. Once the columns
 * exist nothing is scanned at start (a scan read every document: 3.4 s for those 100,000).
 */
function fieldColumnsSchema(existing: ReadonlySet<string>): string {
  const added = [...FIELD_COLUMNS.map(fieldColumn), 'fields_position'].filter((name) => !existing.has(name));
  const stale = 'NEW.doc IS NOT NULL AND NEW.fields_position IS NOT NEW.position';
  const refresh = `UPDATE rs_documents SET ${fieldsFromJson('NEW.doc')} WHERE collection = NEW.collection AND id = NEW.id;`;
  return [
    ...added.map((name) => `ALTER TABLE rs_documents ADD COLUMN ${name};`),
    `CREATE TRIGGER IF NOT EXISTS rs_documents_fields_inserted AFTER INSERT ON rs_documents WHEN ${stale} BEGIN ${refresh} END;`,
    `CREATE TRIGGER IF NOT EXISTS rs_documents_fields_updated AFTER UPDATE ON rs_documents WHEN ${stale} BEGIN ${refresh} END;`,
    ...(added.length > 0 ? [`UPDATE rs_documents SET ${fieldsFromJson('doc')} WHERE doc IS NOT NULL AND fields_position IS NOT position;`] : []),
    ...EXPRESSION_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name};`),
    ...INDEXED_FIELDS.map(
      (field) =>
        `CREATE INDEX IF NOT EXISTS ${FIELD_INDEXES[field]} ON rs_documents (collection, ${[field, ...INDEX_THEN_BY[field]].map(fieldColumn).join(', ')}) WHERE doc IS NOT NULL;`,
    ),
  ].join('\n');
}

/**
 * A field's column value as json_extract reads it from the document's JSON text: SQL NULL for null or absent, 1/0
 * for booleans, JSON text for a nested value; NaN and the infinities as null and a Date as its ISO text, as JSON has them.
 */
function fieldValue(doc: unknown, field: string): string | number | null {
  const value = isRecord(doc) ? doc[field] : undefined;
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) return null;
  const stored = JSON.parse(json) as unknown;
  if (stored === null) return null;
  if (typeof stored === 'boolean') return stored ? 1 : 0;
  if (typeof stored === 'string' || typeof stored === 'number') return stored;
  return json;
}

interface PendingCommit {
  writes: readonly DocumentWrite[];
  checkpoint: CheckpointUpdate | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Read models in the same SQLite file as the event store. A projection's documents and its
 * checkpoint are written in one transaction, so a crash can never separate them.
 */
export class SqliteReadStore implements ReadStore {
  readonly adapter = 'sqlite';
  private readonly statements: Record<string, StatementSync>;
  private queue: PendingCommit[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    const db = database.db;
    database.transaction(() => {
      db.exec(SCHEMA);
      const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('rs_documents') as Array<{ name: string }>;
      db.exec(fieldColumnsSchema(new Set(columns.map(({ name }) => name))));
    });
    this.statements = {
      get: db.prepare('SELECT doc, position FROM rs_documents WHERE collection = ? AND id = ? AND doc IS NOT NULL'),
      getMany: db.prepare(
        'SELECT id, doc, position FROM rs_documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?)) AND doc IS NOT NULL',
      ),
      write: db.prepare(
        `INSERT INTO rs_documents (collection, id, doc, position, fields_position, ${FIELD_COLUMNS.map(fieldColumn).join(', ')})
         VALUES (?, ?, ?, ?, ?, ${FIELD_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc, position = excluded.position, fields_position = excluded.fields_position,
           ${FIELD_COLUMNS.map((field) => `${fieldColumn(field)} = excluded.${fieldColumn(field)}`).join(', ')}
         WHERE excluded.position > rs_documents.position`,
      ),
      checkpoint: db.prepare(
        `INSERT INTO rs_checkpoints (name, position) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET position = MAX(COALESCE(position, excluded.position), excluded.position)`,
      ),
      fencedCheckpoint: db.prepare(
        `UPDATE rs_checkpoints SET position = MAX(COALESCE(position, ?), ?) WHERE name = ? AND owner = ? AND lease_until > ?`,
      ),
      getCheckpoint: db.prepare('SELECT position FROM rs_checkpoints WHERE name = ?'),
      acquire: db.prepare(
        `INSERT INTO rs_checkpoints (name, owner, lease_until) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE rs_checkpoints.owner IS NULL OR rs_checkpoints.owner = excluded.owner OR rs_checkpoints.lease_until <= ?`,
      ),
      release: db.prepare('UPDATE rs_checkpoints SET owner = NULL, lease_until = 0 WHERE name = ? AND owner = ?'),
      leaseHolders: db.prepare('SELECT name, owner FROM rs_checkpoints WHERE owner IS NOT NULL AND lease_until > ?'),
      pointer: db.prepare('SELECT active, versions FROM rs_collections WHERE logical = ?'),
      ensurePointer: db.prepare('INSERT OR IGNORE INTO rs_collections (logical, active, versions) VALUES (?, ?, 1)'),
      bumpVersions: db.prepare('UPDATE rs_collections SET versions = versions + 1 WHERE logical = ? RETURNING versions'),
      switch: db.prepare('UPDATE rs_collections SET active = ? WHERE logical = ?'),
      drop: db.prepare('DELETE FROM rs_documents WHERE collection = ?'),
      dropSlice: db.prepare(`DELETE FROM rs_documents WHERE collection = ?1 AND id IN (SELECT id FROM rs_documents WHERE collection = ?1 LIMIT ${DROP_SLICE})`),
      dataVersion: db.prepare('PRAGMA data_version'),
    };
  }

  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | null> {
    const row = this.statements.get!.get(this.resolve(collection), id) as { doc: string; position: number } | undefined;
    return row ? { id, doc: JSON.parse(row.doc) as T, position: row.position, bytes: row.doc.length } : null;
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const rows = this.statements.getMany!.all(this.resolve(collection), JSON.stringify(ids)) as Array<{ id: string; doc: string; position: number }>;
    return new Map(rows.map((row) => [row.id, { id: row.id, doc: JSON.parse(row.doc) as T, position: row.position, bytes: row.doc.length }]));
  }

  async find<T>(collection: string, query: FindQuery = {}): Promise<StoredDocument<T>[]> {
    const rows = this.selectFound<{ id: string; doc: string; position: number }>('id, doc, position', collection, query);
    return rows.map((row) => ({ id: row.id, doc: JSON.parse(row.doc) as T, position: row.position, bytes: row.doc.length }));
  }

  async findAgain<T>(collection: string, query: FindQuery, known: ReadonlyMap<string, number>): Promise<Array<StoredDocument<T> | KnownDocument>> {
    return this.database.snapshot(() => {
      const found = this.selectFound<KnownDocument>('id, position', collection, query);
      const unknown = found.filter(({ id, position }) => known.get(id) !== position).map(({ id }) => id);
      if (unknown.length === 0) return found;
      const rows = this.statements.getMany!.all(this.resolve(collection), JSON.stringify(unknown)) as Array<{ id: string; doc: string; position: number }>;
      // One snapshot: every document found has its body here.
      const bodies = new Map(rows.map((row) => [row.id, row.doc]));
      return found.map(({ id, position }) => {
        if (known.get(id) === position) return { id, position };
        const body = bodies.get(id)!;
        return { id, doc: JSON.parse(body) as T, position, bytes: body.length };
      });
    });
  }

  /** The `columns` of the documents a query selects, in its order. */
  private selectFound<Row>(columns: string, collection: string, query: FindQuery): Row[] {
    const params: Array<string | number | null> = [this.resolve(collection)];
    const conditions = Object.entries(query.where ?? {}).map(([field, value]) => {
      if (value === null) return `${jsonField(field)} IS NULL`;
      if (isAnyOf(value)) {
        params.push(JSON.stringify(value.in.map(sqlValue)));
        return `${jsonField(field)} IN (SELECT value FROM json_each(?))`;
      }
      params.push(sqlValue(value));
      return `${jsonField(field)} = ?`;
    });
    if (query.afterId !== undefined) {
      params.push(query.afterId);
      conditions.push('id > ?');
    }
    if (query.after) {
      assertKeyset(query);
      // A row value, compared field by field as the ORDER BY sorts. SQLite seeks on an index with a
      // scalar range only, so the first field's range comes first: (project, name) pages start at their
      // project, and read the names before theirs in that project from the index.
      const fields = [...(query.orderBy ?? []).map(({ field }) => jsonField(field)), 'id'];
      const values = [...query.after.values.map(sqlValue), query.after.id];
      params.push(values[0]!, ...values);
      conditions.push(`${fields[0]} >= ?`, `(${fields.join(', ')}) > (${values.map(() => '?').join(', ')})`);
    }
    const order = (query.orderBy ?? []).map(({ field, direction }) => `${jsonField(field)} ${direction === 'desc' ? 'DESC' : 'ASC'}`);
    params.push(query.limit ?? -1, query.offset ?? 0);
    // Without statistics SQLite prefers the primary key (collection) and reads every document of the
    // collection: the index of the first indexed field selected on, else of the first one ordered by.
    const isIndexed = (field: string): field is keyof typeof FIELD_INDEXES => field in FIELD_INDEXES;
    const indexed = Object.keys(query.where ?? {}).find(isIndexed) ?? (query.orderBy?.[0] && isIndexed(query.orderBy[0].field) ? query.orderBy[0].field : undefined);
    const index = indexed ? `INDEXED BY ${FIELD_INDEXES[indexed]}` : '';
    const sql = `SELECT ${columns} FROM rs_documents ${index} WHERE collection = ? AND doc IS NOT NULL
      ${conditions.map((c) => `AND ${c}`).join(' ')} ORDER BY ${[...order, 'id ASC'].join(', ')} LIMIT ? OFFSET ?`;
    return this.database.prepare(sql).all(...params) as Row[];
  }

  /**
   * Commits made in the same turn of the event loop share one transaction (group commit, one
   * savepoint each: a commit that fails, say on a lost lease, takes only its own writes back). Every
   * runner moves its checkpoint after each append, so without it an append cost a dozen transactions.
   * Read models and checkpoints are rebuildable from the events: they are not fsynced one by one
   * (see SqliteDatabase.sync). A commit resolves once its transaction is committed.
   */
  commit(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, checkpoint, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(() => done(this.flush())));
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.flushing = null;
    const failures = new Map<PendingCommit, unknown>();
    try {
      this.database.transaction(() => {
        for (const commit of batch) {
          try {
            this.commitNow(commit.writes, commit.checkpoint);
          } catch (error) {
            // SQLite rolled the whole batch back (e.g. disk full): the commits before this one are gone too.
            if (error instanceof TransactionAbortedError) throw error;
            failures.set(commit, error);
          }
        }
      });
    } catch (error) {
      batch.forEach((commit) => commit.reject(error));
      return;
    }
    batch.forEach((commit) => (failures.has(commit) ? commit.reject(failures.get(commit)) : commit.resolve()));
  }

  private commitNow(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): void {
    this.database.transaction(() => {
      const resolved = new Map<string, string>();
      for (const write of writes) {
        let physical = resolved.get(write.collection);
        if (!physical) {
          physical = this.resolve(write.collection);
          resolved.set(write.collection, physical);
        }
        const doc = write.kind === 'upsert' ? write.doc : undefined;
        const fields = FIELD_COLUMNS.map((field) => fieldValue(doc, field));
        this.statements.write!.run(physical, write.id, doc === undefined ? null : JSON.stringify(doc), write.position, write.position, ...fields);
      }
      if (!checkpoint) return;
      if (checkpoint.owner === undefined) {
        this.statements.checkpoint!.run(checkpoint.name, checkpoint.position);
      } else {
        const changed = this.statements.fencedCheckpoint!.run(checkpoint.position, checkpoint.position, checkpoint.name, checkpoint.owner, this.now());
        if (Number(changed.changes) === 0) throw new LeaseLostError(checkpoint.name, checkpoint.owner);
      }
    });
  }

  async getCheckpoint(name: string): Promise<number | null> {
    const row = this.statements.getCheckpoint!.get(name) as { position: number | null } | undefined;
    return row?.position ?? null;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const result = this.statements.acquire!.run(name, owner, now + ttlMs, now);
    return Number(result.changes) > 0;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.statements.release!.run(name, owner);
  }

  async leaseHolders(): Promise<LeaseHolder[]> {
    return this.statements.leaseHolders!.all(this.now()) as unknown as LeaseHolder[];
  }

  async activeCollection(collection: string): Promise<string> {
    return this.resolve(collection);
  }

  async createCollectionVersion(collection: string): Promise<string> {
    const { logical } = parseCollectionName(collection);
    return this.database.transaction(() => {
      this.statements.ensurePointer!.run(logical, physicalName(logical, 1));
      const { versions } = this.statements.bumpVersions!.get(logical) as { versions: number };
      const physical = physicalName(logical, versions);
      this.statements.drop!.run(physical);
      return physical;
    });
  }

  async switchCollection(collection: string, physical: string): Promise<void> {
    const { logical } = parseCollectionName(collection);
    if (parseCollectionName(physical).logical !== logical) throw new Error(`${physical} is not a version of ${logical}`);
    this.database.transaction(() => {
      this.statements.ensurePointer!.run(logical, physicalName(logical, 1));
      this.statements.switch!.run(physical, logical);
    });
  }

  /**
   * In slices, the event loop turning between them (one DELETE of a rebuilt graphs collection held
   * it for a fifth of a second at 10,000 graphs). A dropped version is no longer read, so its rows
   * need not go in one transaction (a crash in between leaves the rest unread, as a crash before
   * the drop did).
   */
  async dropCollection(physical: string): Promise<void> {
    parseCollectionName(physical);
    while (Number(this.statements.dropSlice!.run(physical).changes) > 0) await nextTurn();
  }

  /** Waits for the commits queued so far. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** SQLite's data_version: changes when another connection (another SMO process) commits to the file. */
  changeStamp(): number {
    return (this.statements.dataVersion!.get() as { data_version: number }).data_version;
  }

  private resolve(collection: string): string {
    const { logical, version } = parseCollectionName(collection);
    if (version !== undefined) return collection;
    const row = this.statements.pointer!.get(logical) as { active: string } | undefined;
    return row?.active ?? physicalName(logical, 1);
  }
}

/**
 * A field as SQL: its column when it has one (FIELD_COLUMNS, which the indexes are over), else
 * `json_extract(doc, '$.field')` with the path as a literal; assertFieldPath admits only letters, digits, _ and dots.
 */
function jsonField(field: string): string {
  assertFieldPath(field);
  return FIELD_COLUMNS.includes(field) ? fieldColumn(field) : `json_extract(doc, '$.${field}')`;
}

function sqlValue(value: Exclude<FieldValue, null>): string | number {
  // json_extract returns JSON booleans as 1/0.
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
