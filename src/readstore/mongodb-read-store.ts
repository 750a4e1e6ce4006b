import { randomUUID } from 'node:crypto';
import { BSON, MongoBulkWriteError, MongoClient, MongoServerError, type AnyBulkWriteOperation, type Db, type Document, type Filter } from 'mongodb';
import {
  INDEXED_FIELDS,
  INDEX_THEN_BY,
  type IndexedField,
  LeaseLostError,
  assertFieldPath,
  asStoredJson,
  isAnyOf,
  parseCollectionName,
  physicalName,
  type CheckpointUpdate,
  type DocumentWrite,
  type FindQuery,
  assertKeyset,
  type KnownDocument,
  type ReadStore,
  type StoredDocument,
  type LeaseHolder,
} from './read-store';
import { withReadKeys, withStoredKeys } from './mongo-keys';

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const CHECKPOINTS = '_smo_checkpoints';
const POINTERS = '_smo_collections';
/** The chunks of pending commits too large to ride in their checkpoint's record (see PendingCommit). */
const INTENTS = '_smo_commit_intents';
/**
 * A pending commit's writes up to this size (BSON) are kept in the checkpoint's record itself: one write
 * more per page. Larger ones go to INTENTS in chunks of at most this size, well under MongoDB's 16 MiB
 * per document (a single write larger than that could not be stored as a document either).
 */
const INTENT_BYTES = 4 * 1024 * 1024;

interface DocumentRecord {
  _id: string;
  doc: unknown | null;
  position: number;
  /** `escaped`: `doc`'s field names are stored escaped (mongo-keys.ts); absent on documents written before, read as they are. */
  keys?: 'escaped';
}

/** A stored document's body as it was written. */
function bodyOf(record: Pick<DocumentRecord, 'doc' | 'keys'>): unknown {
  return record.keys === 'escaped' ? withReadKeys(record.doc) : record.doc;
}

interface CheckpointRecord {
  _id: string;
  position?: number | null;
  owner?: string | null;
  leaseUntil?: number;
  /** A commit recorded and not yet known to be applied whole (see `commit`). */
  pending?: PendingCommit;
}

/** A commit's writes as recorded before they are applied: inline, or in `chunks` documents of INTENTS. */
interface PendingCommit {
  token: string;
  position: number;
  writes?: DocumentWrite[];
  chunks?: number;
}

interface IntentChunk {
  _id: string;
  name: string;
  token: string;
  index: number;
  writes: DocumentWrite[];
}

interface PointerRecord {
  _id: string;
  active: string;
  versions: number;
}

/**
 * Read models in MongoDB (FerretDB in CI). No multi-document transactions are assumed: each
 * document write is guarded by its position (`position < new` or insert), and the checkpoint is
 * written after the documents. A page's writes span collections (documents, follow-ups, summaries)
 * and are not independent: folded again, a page whose documents landed and whose summaries did not
 * would skip the documents' changes and never move the summaries. So a commit with a checkpoint
 * first records its writes as the checkpoint's pending commit (fenced by the lease), then applies
 * them, then moves the checkpoint and clears the record in one update; `recoverCommit` applies a
 * recorded commit that was interrupted.
 */
export class MongoDbReadStore implements ReadStore {
  readonly adapter = 'mongodb';

  /** Per checkpoint: the tokens of the chunked pending commits this process recorded and has not deleted. */
  private readonly chunkTokens = new Map<string, string[]>();

  /** Per collection version: the creation of its indexes, once per process. */
  private readonly indexed = new Map<string, Promise<void>>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly now: () => number,
    private readonly intentBytes: number,
  ) {}

  /** `intentBytes`: the size of a pending commit's chunks (INTENT_BYTES; tests make it small). */
  static async connect(url: string, options: { now?: () => number; intentBytes?: number } = {}): Promise<MongoDbReadStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    return new MongoDbReadStore(client, client.db(), options.now ?? Date.now, options.intentBytes ?? INTENT_BYTES);
  }

  // By _id alone, tombstones (doc null) dropped here: a second condition kept FerretDB from looking the _id up
  // (a scan of the collection, 9.9 against 1.4 ms at 2,000 documents).
  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | null> {
    const record = await this.documents(await this.resolve(collection)).findOne({ _id: id });
    return record && record.doc !== null ? { id, doc: bodyOf(record) as T, position: record.position } : null;
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const records = await this.documents(await this.resolve(collection))
      .find({ _id: { $in: [...ids] } })
      .toArray();
    return new Map(records.filter((r) => r.doc !== null).map((r) => [r._id, { id: r._id, doc: bodyOf(r) as T, position: r.position }]));
  }

  async find<T>(collection: string, query: FindQuery = {}): Promise<StoredDocument<T>[]> {
    const records = await this.selectFound(await this.resolve(collection), query).toArray();
    return records.map((r) => ({ id: r._id, doc: bodyOf(r) as T, position: r.position }));
  }

  async findAgain<T>(collection: string, query: FindQuery, known: ReadonlyMap<string, number>): Promise<Array<StoredDocument<T> | KnownDocument>> {
    const physical = await this.resolve(collection);
    const found = await this.selectFound(physical, query).project<{ _id: string; position: number }>({ _id: 1, position: 1 }).toArray();
    const unknown = found.filter((r) => known.get(r._id) !== r.position).map((r) => r._id);
    const bodies = unknown.length === 0 ? new Map<string, StoredDocument<T>>() : await this.getMany<T>(physical, unknown);
    return found.flatMap((r): Array<StoredDocument<T> | KnownDocument> => {
      if (known.get(r._id) === r.position) return [{ id: r._id, position: r.position }];
      const body = bodies.get(r._id);
      return body ? [body] : [];
    });
  }

  /** The cursor over the documents a query selects, in its order. */
  private selectFound(physical: string, query: FindQuery) {
    const filter: Document = { doc: { $ne: null } };
    for (const [field, value] of Object.entries(query.where ?? {})) {
      assertFieldPath(field);
      filter[`doc.${field}`] = isAnyOf(value) ? { $in: [...value.in] } : value;
    }
    if (query.afterId !== undefined) filter._id = { $gt: query.afterId };
    if (query.after) {
      assertKeyset(query);
      // After the key (f1, f2, …, id): greater on a field, every field before it equal.
      const keys = [...(query.orderBy ?? []).map(({ field }) => `doc.${field}`), '_id'];
      const values = [...query.after.values, query.after.id];
      filter.$or = keys.map((key, i) => ({ ...Object.fromEntries(keys.slice(0, i).map((equal, j) => [equal, values[j]])), [key]: { $gt: values[i] } }));
    }
    const sort: Record<string, 1 | -1> = {};
    for (const { field, direction } of query.orderBy ?? []) {
      assertFieldPath(field);
      sort[`doc.${field}`] = direction === 'desc' ? -1 : 1;
    }
    sort._id = 1;
    let cursor = this.documents(physical).find(filter).sort(sort);
    if (query.offset) cursor = cursor.skip(query.offset);
    if (query.limit !== undefined) cursor = cursor.limit(query.limit);
    return cursor;
  }

  async commit(writes: readonly DocumentWrite[], checkpoint?: CheckpointUpdate): Promise<void> {
    const stored = writes.map(storedWrite);
    if (!checkpoint) return this.applyWrites(stored);
    if (stored.length === 0) return this.saveCheckpoint(checkpoint);
    const pending = await this.recordPending(checkpoint, stored);
    await this.applyWrites(stored);
    await this.settle(checkpoint, pending);
  }

  async recoverCommit(name: string, owner?: string): Promise<readonly DocumentWrite[]> {
    const record = await this.checkpoints().findOne({ _id: name }, { projection: { pending: 1, owner: 1, leaseUntil: 1 } });
    if (owner !== undefined && (record?.owner !== owner || (record.leaseUntil ?? 0) <= this.now())) throw new LeaseLostError(name, owner);
    const pending = record?.pending;
    if (!pending) {
      // Chunks a crash left between the checkpoint's update and their deletion (no one else records any while the lease is held).
      await this.intents().deleteMany({ name });
      return [];
    }
    const stored = pending.writes ?? (await this.pendingChunks(name, pending));
    await this.applyWrites(stored);
    await this.settle({ name, position: pending.position, ...(owner === undefined ? {} : { owner }) }, pending);
    return stored.map(readWrite);
  }

  /** Records the writes (as stored: `storedWrite`) as the checkpoint's pending commit; fenced by the lease like the checkpoint. */
  private async recordPending({ name, position, owner }: CheckpointUpdate, stored: readonly DocumentWrite[]): Promise<PendingCommit> {
    const token = randomUUID();
    const chunks = chunked(stored, this.intentBytes);
    let pending: PendingCommit = { token, position, writes: [...stored] };
    if (chunks.length > 1) {
      this.chunkTokens.set(name, [...(this.chunkTokens.get(name) ?? []), token]);
      await this.intents().insertMany(chunks.map((part, index) => ({ _id: `${name}/${token}/${index}`, name, token, index, writes: part })));
      pending = { token, position, chunks: chunks.length };
    }
    const result = await this.checkpoints().updateOne(this.fenced(name, owner), { $set: { pending } }, { upsert: owner === undefined });
    if (owner !== undefined && result.matchedCount === 0) {
      await this.dropChunks(name, []);
      throw new LeaseLostError(name, owner);
    }
    return pending;
  }

  /**
   * Deletes the chunks this process recorded for the checkpoint (those of attempts that failed too), and
   * those of `tokens`: by token, since the owner that took the lease over may be recording its own.
   */
  private async dropChunks(name: string, tokens: readonly string[]): Promise<void> {
    const all = [...(this.chunkTokens.get(name) ?? []), ...tokens];
    if (all.length === 0) return;
    await this.intents().deleteMany({ name, token: { $in: all } });
    this.chunkTokens.delete(name);
  }

  /** Moves the checkpoint past a pending commit's writes and clears the commit, in one update; then drops its chunks. */
  private async settle({ name, position, owner }: CheckpointUpdate, pending: PendingCommit): Promise<void> {
    // While the lease is held, the pending commit is this owner's: no one else records one.
    const result = await this.checkpoints().updateOne(this.fenced(name, owner), { $max: { position }, $unset: { pending: '' } });
    if (owner !== undefined && result.matchedCount === 0) throw new LeaseLostError(name, owner);
    await this.dropChunks(name, pending.chunks ? [pending.token] : []);
  }

  private async pendingChunks(name: string, pending: PendingCommit): Promise<DocumentWrite[]> {
    const chunks = await this.intents().find({ name, token: pending.token }).sort({ index: 1 }).toArray();
    if (chunks.length !== pending.chunks) throw new Error(`Pending commit ${pending.token} of ${name} has ${chunks.length} of its ${pending.chunks} chunks`);
    return chunks.flatMap((chunk) => chunk.writes);
  }

  /** The checkpoint's record, while `owner` holds its lease (any owner when none is given). */
  private fenced(name: string, owner: string | undefined): Filter<CheckpointRecord> {
    return owner === undefined ? { _id: name } : { _id: name, owner, leaseUntil: { $gt: this.now() } };
  }

  /** Applies writes as `storedWrite` makes them. */
  private async applyWrites(writes: readonly DocumentWrite[]): Promise<void> {
    const byCollection = new Map<string, AnyBulkWriteOperation<DocumentRecord>[]>();
    const resolved = new Map<string, string>();
    for (const write of writes) {
      const physical = resolved.get(write.collection) ?? (await this.resolve(write.collection));
      resolved.set(write.collection, physical);
      const operations = byCollection.get(physical) ?? [];
      operations.push({
        updateOne: {
          filter: { _id: write.id, position: { $lt: write.position } },
          update: { $set: { doc: write.kind === 'upsert' ? (write.doc as Document | null) : null, position: write.position, keys: 'escaped' } },
          upsert: true,
        },
      });
      byCollection.set(physical, operations);
    }
    for (const [physical, operations] of byCollection) {
      await this.ensureIndexes(physical);
      await this.applyGuarded(physical, operations);
    }
  }

  /**
   * Sends the guarded upserts as one bulk write. A duplicate key means a document already holds a
   * newer position: the guard did its job. Servers differ on what happens to the rest of the batch
   * after such an error (FerretDB drops it silently, even unordered), so the batch is then replayed
   * one write at a time — harmless, since every write is guarded.
   */
  private async applyGuarded(physical: string, operations: AnyBulkWriteOperation<DocumentRecord>[]): Promise<void> {
    const collection = this.documents(physical);
    try {
      await collection.bulkWrite(operations, { ordered: false });
      return;
    } catch (error) {
      if (!isDuplicateKeyOnly(error)) throw error;
    }
    for (const operation of operations) {
      try {
        await collection.bulkWrite([operation]);
      } catch (error) {
        if (!isDuplicateKeyOnly(error)) throw error;
      }
    }
  }

  private async saveCheckpoint({ name, position, owner }: CheckpointUpdate): Promise<void> {
    const result = await this.checkpoints().updateOne(this.fenced(name, owner), { $max: { position } }, { upsert: owner === undefined });
    if (owner !== undefined && result.matchedCount === 0) throw new LeaseLostError(name, owner);
  }

  async getCheckpoint(name: string): Promise<number | null> {
    return (await this.checkpoints().findOne({ _id: name }, { projection: { position: 1 } }))?.position ?? null;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    try {
      const result = await this.checkpoints().updateOne(
        { _id: name, $or: [{ owner: null }, { owner }, { leaseUntil: { $lte: now } }] },
        { $set: { owner, leaseUntil: now + ttlMs } },
        { upsert: true },
      );
      return result.matchedCount + result.upsertedCount > 0;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.checkpoints().updateOne({ _id: name, owner }, { $set: { owner: null, leaseUntil: 0 } });
  }

  async leaseHolders(): Promise<LeaseHolder[]> {
    const held = await this.checkpoints().find({ owner: { $type: 'string' }, leaseUntil: { $gt: this.now() } }, { projection: { owner: 1 } }).toArray();
    return held.map((record) => ({ name: String(record._id), owner: record.owner as string }));
  }

  async activeCollection(collection: string): Promise<string> {
    return this.resolve(collection);
  }

  async createCollectionVersion(collection: string): Promise<string> {
    const { logical } = parseCollectionName(collection);
    await this.ensurePointer(logical);
    const pointer = await this.pointers().findOneAndUpdate({ _id: logical }, { $inc: { versions: 1 } }, { returnDocument: 'after' });
    if (!pointer) throw new Error(`Collection pointer for ${logical} vanished`);
    const physical = physicalName(logical, pointer.versions);
    await this.dropCollection(physical);
    return physical;
  }

  async switchCollection(collection: string, physical: string): Promise<void> {
    const { logical } = parseCollectionName(collection);
    if (parseCollectionName(physical).logical !== logical) throw new Error(`${physical} is not a version of ${logical}`);
    await this.ensurePointer(logical);
    await this.pointers().updateOne({ _id: logical }, { $set: { active: physical } });
  }

  async dropCollection(physical: string): Promise<void> {
    parseCollectionName(physical);
    this.indexed.delete(physical);
    await this.documents(physical).deleteMany({});
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async ensurePointer(logical: string): Promise<void> {
    await this.pointers().updateOne(
      { _id: logical },
      { $setOnInsert: { active: physicalName(logical, 1), versions: 1 } },
      { upsert: true },
    );
  }

  private async resolve(collection: string): Promise<string> {
    const { logical, version } = parseCollectionName(collection);
    if (version !== undefined) return collection;
    return (await this.pointers().findOne({ _id: logical }))?.active ?? physicalName(logical, 1);
  }

  /**
   * The indexes of INDEXED_FIELDS (with _id, the order `find` returns), created once per collection
   * version and process before its first write. Only the missing ones are created: asked to create
   * several indexes that all exist (a restarted SMO writing to its collections), FerretDB 1.24 panics
   * and closes the connection, so no commit of a restarted instance would land. Commits made at once
   * share one creation: concurrent createIndexes on a new collection made FerretDB close a connection
   * (the read store contract's "commits made at once" test).
   */
  private ensureIndexes(physical: string): Promise<void> {
    let creation = this.indexed.get(physical);
    if (!creation) {
      creation = (async () => {
        const existing = new Set((await this.existingIndexes(physical)).map((index) => index.name));
        const missing = INDEXED_FIELDS.map((field) => ({ key: indexKey(field), name: ['doc', field, ...INDEX_THEN_BY[field]].join('_') })).filter(
          (index) => !existing.has(index.name),
        );
        if (missing.length > 0) await this.documents(physical).createIndexes(missing);
      })();
      // A failed creation is tried again by the next write.
      creation.catch(() => this.indexed.delete(physical));
      this.indexed.set(physical, creation);
    }
    return creation;
  }

  /** The collection's indexes; none while it does not exist. */
  private async existingIndexes(physical: string): Promise<Document[]> {
    try {
      return await this.documents(physical).listIndexes().toArray();
    } catch (error) {
      if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
      throw error;
    }
  }

  private documents(physical: string) {
    return this.db.collection<DocumentRecord>(physical);
  }

  private checkpoints() {
    return this.db.collection<CheckpointRecord>(CHECKPOINTS);
  }

  private intents() {
    return this.db.collection<IntentChunk>(INTENTS);
  }

  private pointers() {
    return this.db.collection<PointerRecord>(POINTERS);
  }
}

function isDuplicateKeyOnly(error: unknown): boolean {
  if (error instanceof MongoBulkWriteError) {
    const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    return failures.length > 0 && failures.every((failure) => failure.code === DUPLICATE_KEY);
  }
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** The writes in chunks of at most `bytes` (BSON; a write larger alone in its own), in order; one chunk when they all fit. */
function chunked(writes: readonly DocumentWrite[], bytes: number): DocumentWrite[][] {
  if (BSON.calculateObjectSize({ writes } as Document) <= bytes) return [[...writes]];
  const chunks: DocumentWrite[][] = [];
  let chunk: DocumentWrite[] = [];
  let size = 0;
  for (const write of writes) {
    const written = BSON.calculateObjectSize(write as Document);
    if (chunk.length > 0 && size + written > bytes) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(write);
    size += written;
  }
  chunks.push(chunk);
  return chunks;
}

/** An index's key: the field, the fields it orders by after it, and _id (the order `find` returns). */
function indexKey(field: IndexedField): Record<string, 1> {
  return Object.fromEntries([...[field, ...INDEX_THEN_BY[field]].map((name) => [`doc.${name}`, 1] as const), ['_id', 1] as const]);
}

/**
 * A write as it is stored, in its collection and in a pending commit: its document as its JSON text says
 * (`asStoredJson`: BSON would keep an undefined field as null, a Date as a date, and FerretDB closes the
 * connection on NaN), its field names escaped (see mongo-keys.ts).
 */
function storedWrite(write: DocumentWrite): DocumentWrite {
  return write.kind === 'upsert' ? { ...write, doc: withStoredKeys(asStoredJson(write.doc)) } : write;
}

function readWrite(write: DocumentWrite): DocumentWrite {
  return write.kind === 'upsert' ? { ...write, doc: withReadKeys(write.doc) } : write;
}
