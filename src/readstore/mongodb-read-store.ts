import { MongoBulkWriteError, MongoClient, MongoServerError, type AnyBulkWriteOperation, type Db, type Document } from 'mongodb';
import {
  INDEXED_FIELDS,
  INDEX_THEN_BY,
  type IndexedField,
  LeaseLostError,
  assertFieldPath,
  isAnyOf,
  parseCollectionName,
  physicalName,
  type CheckpointUpdate,
  type DocumentWrite,
  type FindQuery,
  type KnownDocument,
  type ReadStore,
  type StoredDocument,
} from './read-store';

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const CHECKPOINTS = '_smo_checkpoints';
const POINTERS = '_smo_collections';

interface DocumentRecord {
  _id: string;
  doc: unknown | null;
  position: number;
}

interface CheckpointRecord {
  _id: string;
  position?: number | null;
  owner?: string | null;
  leaseUntil?: number;
}

interface PointerRecord {
  _id: string;
  active: string;
  versions: number;
}

/**
 * Read models in MongoDB (FerretDB in CI). No multi-document transactions are assumed: each
 * document write is guarded by its position (`position < new` or insert), and the checkpoint is
 * written after the documents, so a crash in between only replays harmless writes.
 */
export class MongoDbReadStore implements ReadStore {
  readonly adapter = 'mongodb';

  /** Per collection version: the creation of its indexes, once per process. */
  private readonly indexed = new Map<string, Promise<void>>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  static async connect(url: string, options: { now?: () => number } = {}): Promise<MongoDbReadStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    return new MongoDbReadStore(client, client.db(), options.now ?? Date.now);
  }

  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | null> {
    const record = await this.documents(await this.resolve(collection)).findOne({ _id: id, doc: { $ne: null } });
    return record ? { id, doc: record.doc as T, position: record.position } : null;
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const records = await this.documents(await this.resolve(collection))
      .find({ _id: { $in: [...ids] }, doc: { $ne: null } })
      .toArray();
    return new Map(records.map((r) => [r._id, { id: r._id, doc: r.doc as T, position: r.position }]));
  }

  async find<T>(collection: string, query: FindQuery = {}): Promise<StoredDocument<T>[]> {
    const records = await this.selectFound(await this.resolve(collection), query).toArray();
    return records.map((r) => ({ id: r._id, doc: r.doc as T, position: r.position }));
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
    if (checkpoint?.owner !== undefined) await this.assertLease(checkpoint.name, checkpoint.owner);
    const byCollection = new Map<string, AnyBulkWriteOperation<DocumentRecord>[]>();
    const resolved = new Map<string, string>();
    for (const write of writes) {
      const physical = resolved.get(write.collection) ?? (await this.resolve(write.collection));
      resolved.set(write.collection, physical);
      const operations = byCollection.get(physical) ?? [];
      operations.push({
        updateOne: {
          filter: { _id: write.id, position: { $lt: write.position } },
          update: { $set: { doc: write.kind === 'upsert' ? (write.doc as Document) : null, position: write.position } },
          upsert: true,
        },
      });
      byCollection.set(physical, operations);
    }
    for (const [physical, operations] of byCollection) {
      await this.ensureIndexes(physical);
      await this.applyGuarded(physical, operations);
    }
    if (checkpoint) await this.saveCheckpoint(checkpoint);
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
    const checkpoints = this.checkpoints();
    if (owner === undefined) {
      await checkpoints.updateOne({ _id: name }, { $max: { position } }, { upsert: true });
      return;
    }
    const result = await checkpoints.updateOne({ _id: name, owner, leaseUntil: { $gt: this.now() } }, { $max: { position } });
    if (result.matchedCount === 0) throw new LeaseLostError(name, owner);
  }

  private async assertLease(name: string, owner: string): Promise<void> {
    const lease = await this.checkpoints().findOne({ _id: name });
    if (!lease || lease.owner !== owner || (lease.leaseUntil ?? 0) <= this.now()) throw new LeaseLostError(name, owner);
  }

  async getCheckpoint(name: string): Promise<number | null> {
    return (await this.checkpoints().findOne({ _id: name }))?.position ?? null;
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

/** An index's key: the field, the fields it orders by after it, and _id (the order `find` returns). */
function indexKey(field: IndexedField): Record<string, 1> {
  return Object.fromEntries([...[field, ...INDEX_THEN_BY[field]].map((name) => [`doc.${name}`, 1] as const), ['_id', 1] as const]);
}
