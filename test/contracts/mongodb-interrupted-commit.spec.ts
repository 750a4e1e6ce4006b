import { randomUUID } from 'node:crypto';
import { BSON, Collection, MongoClient, MongoNetworkError } from 'mongodb';
import { MemoryEventStore } from '../../src/eventstore/memory-event-store';
import { ProcessingHost } from '../../src/processing/processing-host';
import { logicalTarget, projectPage, type Projection, type ProjectionSummary } from '../../src/processing/projection';
import { MongoDbReadStore } from '../../src/readstore/mongodb-read-store';
import { silentLogger } from '../support/stores';

// Set by test/support/global-setup.ts when it started FerretDB, or by the developer (MONGO_URL).
const url = process.env.SMO_TEST_MONGO_URL ?? process.env.MONGO_URL;

interface Service {
  status: string;
  padding?: string;
}

/** A projection with a summary (counts by status), in collections of its own. */
function servicesProjection(): Projection<Service> & { summary: ProjectionSummary<Service> } {
  const suffix = randomUUID().slice(0, 8);
  const summary: ProjectionSummary<Service, Record<string, number>> = {
    collection: `svc-counts-${suffix}`,
    summaryIds: () => ['all'],
    evolve: (counts, { before, after }) => {
      const next = { ...counts };
      if (before) next[before.status] = (next[before.status] ?? 0) - 1;
      if (after) next[after.status] = (next[after.status] ?? 0) + 1;
      return next;
    },
  };
  return {
    name: `svc-${suffix}`,
    collection: `svc-${suffix}`,
    filter: { streamCategories: ['svc'] },
    documentIds: (event) => [event.streamId],
    evolve: (_doc, event) => event.data as Service,
    summaries: [summary],
    summary,
  };
}

/** Makes the bulk writes to `collection` fail (as a dropped connection does) while `failing()` says so. */
function failWritesTo(collection: string, failing: () => boolean) {
  const original = Collection.prototype.bulkWrite;
  return jest.spyOn(Collection.prototype, 'bulkWrite').mockImplementation(function (this: Collection, ...args: Parameters<typeof original>) {
    if (this.collectionName.startsWith(`${collection}__v`) && failing()) return Promise.reject(new MongoNetworkError('connection dropped (test)'));
    return original.apply(this, args);
  });
}

const skipReason = process.env.SMO_TEST_MONGO_SKIP ?? 'no MongoDB-wire server (SMO_TEST_MONGO_URL or MONGO_URL)';
(url ? describe : describe.skip)(`mongodb read store: a projection page interrupted between its documents and its summary${url ? '' : ` (skipped: ${skipReason})`}`, () => {
  afterEach(() => jest.restoreAllMocks());

  it('an instance that dies after the documents were written and before the summary: the next owner of the lease finishes the page', async () => {
    const projection = servicesProjection();
    const eventStore = new MemoryEventStore();
    await eventStore.appendToStream('svc-a', [{ id: 'a1', type: 'StatusChanged', data: { status: 'up' } }]);
    await eventStore.appendToStream('svc-b', [{ id: 'b1', type: 'StatusChanged', data: { status: 'up' } }]);
    await eventStore.appendToStream('svc-a', [{ id: 'a2', type: 'StatusChanged', data: { status: 'down' } }]);
    const checkpoint = `projection:${projection.name}`;

    // The instance that dies: it holds the lease, folds the page and commits it as its runner does;
    // the summaries' bulk write never lands (the process is killed, or the connection drops, after the documents').
    const dying = await MongoDbReadStore.connect(url!);
    expect(await dying.acquireLease(checkpoint, 'dead-instance', 300)).toBe(true);
    const page = await eventStore.readAll({ filter: projection.filter });
    const writes = await projectPage((collection, ids) => dying.getMany(collection, ids), projection, logicalTarget(projection), page);
    const spy = failWritesTo(projection.summary.collection, () => true);
    await expect(dying.commit(writes, { name: checkpoint, position: page[page.length - 1]!.position, owner: 'dead-instance' })).rejects.toThrow('connection dropped');
    spy.mockRestore();
    await dying.close();
    const readStore = await MongoDbReadStore.connect(url!);
    expect((await readStore.find<Service>(projection.collection)).map((d) => [d.id, d.doc.status])).toEqual([['svc-a', 'down'], ['svc-b', 'up']]);
    expect(await readStore.get(projection.summary.collection, 'all')).toBeNull();
    expect(await readStore.getCheckpoint(checkpoint)).toBeNull();

    // Another instance takes the lease over once it expires, and resumes from the (unmoved) checkpoint.
    const host = new ProcessingHost({ eventStore, readStore, logger: silentLogger, leaseTtlMs: 300, retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 10 } });
    try {
      host.addProjection(projection).start();
      await host.whenProcessed((await eventStore.headPosition())!, { timeoutMs: 10_000 });
      expect((await readStore.find<Service>(projection.collection)).map((d) => [d.id, d.doc.status])).toEqual([['svc-a', 'down'], ['svc-b', 'up']]);
      // The summary counts what the documents say: one up, one down.
      expect((await readStore.get(projection.summary.collection, 'all'))?.doc).toEqual({ up: 1, down: 1 });
      expect(await readStore.getCheckpoint(checkpoint)).toBe(page[page.length - 1]!.position);
    } finally {
      await host.stop();
      await readStore.close();
    }
  });

  it('a transient error on the summaries\' bulk write: the retry sends the page as folded instead of folding it again', async () => {
    const projection = servicesProjection();
    const eventStore = new MemoryEventStore();
    const readStore = await MongoDbReadStore.connect(url!);
    let failed = false;
    failWritesTo(projection.summary.collection, () => !failed && (failed = true));
    const host = new ProcessingHost({ eventStore, readStore, logger: silentLogger, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 10 } });
    try {
      await eventStore.appendToStream('svc-a', [{ id: 'a1', type: 'StatusChanged', data: { status: 'up' } }]);
      await eventStore.appendToStream('svc-b', [{ id: 'b1', type: 'StatusChanged', data: { status: 'up' } }]);
      await eventStore.appendToStream('svc-a', [{ id: 'a2', type: 'StatusChanged', data: { status: 'down' } }]);
      host.addProjection(projection).start();
      await host.whenProcessed((await eventStore.headPosition())!, { timeoutMs: 10_000 });
      expect(failed).toBe(true);
      expect((await readStore.get(projection.summary.collection, 'all'))?.doc).toEqual({ up: 1, down: 1 });
    } finally {
      await host.stop();
      await readStore.close();
    }
  });

  it('a page whose writes exceed the size of a chunk is recorded in chunks of at most that size, finished from them, and the chunks are dropped', async () => {
    const projection = servicesProjection();
    const eventStore = new MemoryEventStore();
    const padding = 'x'.repeat(20_000);
    for (let i = 0; i < 30; i++) await eventStore.appendToStream(`svc-${String(i).padStart(2, '0')}`, [{ id: `e${i}`, type: 'StatusChanged', data: { status: i % 3 === 0 ? 'down' : 'up', padding } }]);
    const checkpoint = `projection:${projection.name}`;
    // Chunks of 100 kB here; of 4 MiB (INTENT_BYTES, under MongoDB's 16 MiB per document) in production.
    const dying = await MongoDbReadStore.connect(url!, { intentBytes: 100_000 });
    const readStore = await MongoDbReadStore.connect(url!);
    const client = new MongoClient(url!);
    try {
      expect(await dying.acquireLease(checkpoint, 'owner', 60_000)).toBe(true);
      const page = await eventStore.readAll({ filter: projection.filter });
      const writes = await projectPage((collection, ids) => dying.getMany(collection, ids), projection, logicalTarget(projection), page);
      const spy = failWritesTo(projection.summary.collection, () => true);
      await expect(dying.commit(writes, { name: checkpoint, position: page[page.length - 1]!.position, owner: 'owner' })).rejects.toThrow('connection dropped');
      spy.mockRestore();
      // 600 kB of writes: in chunks of at most 100 kB.
      const chunks = await client.db().collection('_smo_commit_intents').find({ name: checkpoint }).toArray();
      expect(chunks.length).toBeGreaterThan(5);
      for (const chunk of chunks) expect(BSON.calculateObjectSize(chunk)).toBeLessThan(100_000 + 1000);

      expect((await readStore.recoverCommit(checkpoint, 'owner')).length).toBe(writes.length);
      expect((await readStore.get(projection.summary.collection, 'all'))?.doc).toEqual({ up: 20, down: 10 });
      expect(await readStore.getCheckpoint(checkpoint)).toBe(page[page.length - 1]!.position);
      expect(await client.db().collection('_smo_commit_intents').countDocuments({ name: checkpoint })).toBe(0);
      // Nothing pending any more.
      expect(await readStore.recoverCommit(checkpoint, 'owner')).toEqual([]);
    } finally {
      await client.close();
      await dying.close();
      await readStore.close();
    }
  });

  it('a pending commit is finished only by the owner of the lease', async () => {
    const projection = servicesProjection();
    const checkpoint = `projection:${projection.name}`;
    const readStore = await MongoDbReadStore.connect(url!);
    try {
      expect(await readStore.acquireLease(checkpoint, 'one', 60_000)).toBe(true);
      const spy = failWritesTo(projection.collection, () => true);
      const write = { kind: 'upsert' as const, collection: projection.collection, id: 'svc-a', doc: { status: 'up' }, position: 1 };
      await expect(readStore.commit([write], { name: checkpoint, position: 1, owner: 'one' })).rejects.toThrow('connection dropped');
      spy.mockRestore();
      await expect(readStore.commit([write], { name: checkpoint, position: 1, owner: 'other' })).rejects.toThrow('no longer held by other');
      await expect(readStore.recoverCommit(checkpoint, 'other')).rejects.toThrow('no longer held by other');
      expect(await readStore.get(projection.collection, 'svc-a')).toBeNull();
      expect(await readStore.recoverCommit(checkpoint, 'one')).toEqual([write]);
      expect((await readStore.get(projection.collection, 'svc-a'))?.doc).toEqual({ status: 'up' });
      expect(await readStore.getCheckpoint(checkpoint)).toBe(1);
    } finally {
      await readStore.close();
    }
  });
});
