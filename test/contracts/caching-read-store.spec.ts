import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachingReadStore, type CachedDocument } from '../../src/readstore/caching-read-store';
import { MemoryReadStore } from '../../src/readstore/memory-read-store';
import type { DocumentWrite, FindQuery, KnownDocument, StoredDocument } from '../../src/readstore/read-store';
import { SqliteReadStore } from '../../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { describeReadStoreContract } from './read-store.contract';

interface Graph {
  name: string;
  project: string;
  status: string;
}

const upsert = (id: string, status: string, position: number, project = 'p'): DocumentWrite => ({
  kind: 'upsert',
  collection: 'graphs',
  id,
  doc: { name: id, project, status },
  position,
});

// The cache passes every method of the port through: it is a read store like the others.
describeReadStoreContract('caching over sqlite', async () => {
  const database = new SqliteDatabase({ path: ':memory:' });
  let offset = 0;
  const store = new CachingReadStore(new SqliteReadStore(database, () => Date.now() + offset));
  return { store, advance: (ms) => (offset += ms), dispose: async () => database.close() };
});

describe('CachingReadStore: coherence of the cached documents', () => {
  let dir: string;
  let databases: SqliteDatabase[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smo-cache-'));
    databases = [];
  });
  afterEach(() => {
    databases.forEach((database) => database.close());
    rmSync(dir, { recursive: true, force: true });
  });

  /** One SMO process's view of the shared SQLite file: its own connection. */
  const openProcess = () => {
    const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'normal' });
    databases.push(database);
    return new SqliteReadStore(database);
  };

  it('serves one parsed copy until a commit through it, then the committed document', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Deploying', 3)]);
    const first = await cache.cachedGet<Graph>('graphs', 'g');
    expect(first).toMatchObject({ position: 3, doc: { status: 'Deploying' } });
    expect(await cache.cachedGet('graphs', 'g')).toBe(first);

    await cache.commit([upsert('g', 'Running', 7)], { name: 'projection:graphs', position: 7 });
    expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 7, doc: { status: 'Running' } });
    await cache.commit([{ kind: 'delete', collection: 'graphs', id: 'g', position: 9 }]);
    expect(await cache.cachedGet('graphs', 'g')).toBeNull();
  });

  it('renders once per document position, and again after the document changed', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Deploying', 3)]);
    let renders = 0;
    const body = (cached: CachedDocument<Graph>) => cached.rendered('body', (doc) => ({ value: `${++renders}:${JSON.stringify(doc)}` }));
    const once = body((await cache.cachedGet<Graph>('graphs', 'g'))!);
    expect(body((await cache.cachedGet<Graph>('graphs', 'g'))!)).toBe(once);
    expect(renders).toBe(1);

    await cache.commit([upsert('g', 'Running', 4)]);
    expect(body((await cache.cachedGet<Graph>('graphs', 'g'))!)).toBe('2:{"name":"g","project":"p","status":"Running"}');
  });

  it('recomputes a rendering once the moment it depended on has passed', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Deploying', 3)]);
    const cached = (await cache.cachedGet<Graph>('graphs', 'g'))!;
    const render = (now: number) => cached.rendered('clock', () => ({ value: now, validUntil: 1000 }), now);
    expect(render(10)).toBe(10);
    expect(render(999)).toBe(10);
    expect(render(1000)).toBe(1000);
  });

  it('drops a cached query answer when its collection is written, not when another one is', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('a', 'Running', 1), upsert('b', 'Running', 2, 'q')]);
    const query = { where: { project: 'p' }, orderBy: [{ field: 'name' }] };
    const first = await cache.cachedFind<Graph>('graphs', query);
    expect(first.documents.map((d) => d.id)).toEqual(['a']);
    await cache.commit([{ kind: 'upsert', collection: 'clusters', id: 'c1', doc: { name: 'c1' }, position: 3 }]);
    expect(await cache.cachedFind('graphs', query)).toBe(first);

    await cache.commit([upsert('c', 'Deploying', 4)]);
    const second = await cache.cachedFind<Graph>('graphs', query);
    expect(second.documents.map((d) => `${d.id}@${d.position}`)).toEqual(['a@1', 'c@4']);
    // The unchanged document is the same cached copy (its renderings are kept).
    expect(second.documents[0]).toBe(first.documents[0]);
  });

  it('asks a query again after a write for the changed bodies only, and lends the unchanged copies to the new answer', async () => {
    const bodiesRead: string[][] = [];
    // The port's answers, as the store gives them: which documents came with a body.
    const store = Object.assign(Object.create(openProcess()) as SqliteReadStore, {
      async findAgain<T>(this: SqliteReadStore, collection: string, query: FindQuery, known: ReadonlyMap<string, number>) {
        const answer = await SqliteReadStore.prototype.findAgain.call(this, collection, query, known);
        bodiesRead.push(answer.filter((found) => 'doc' in found).map((found) => found.id));
        return answer as Array<StoredDocument<T> | KnownDocument>;
      },
    });
    const cache = new CachingReadStore(store);
    const ids = Array.from({ length: 20 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    await cache.commit(ids.map((id, i) => upsert(id, 'Running', i + 1)));
    const query = { where: { project: 'p' } };
    const first = await cache.cachedFind<Graph>('graphs', query);
    expect(bodiesRead).toEqual([ids]);

    await cache.commit([upsert('g07', 'Stopped', 30), { kind: 'delete', collection: 'graphs', id: 'g11', position: 31 }, upsert('g20', 'Deploying', 32)]);
    const second = await cache.cachedFind<Graph>('graphs', query);
    expect(bodiesRead[1]).toEqual(['g07', 'g20']);
    expect(second.documents.map((d) => [d.id, d.doc.status])).toEqual((await store.find<Graph>('graphs', query)).map((d) => [d.id, d.doc.status]));
    expect(second.documents.filter((d) => first.documents.includes(d)).map((d) => d.id)).toEqual(ids.filter((id) => !['g07', 'g11'].includes(id)));
  });

  it('answers a current query at once (cachedFindNow), and nothing once a write made the answer stale', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Running', 1)]);
    const query = { where: { project: 'p' } };
    expect(cache.cachedFindNow('graphs', query)).toBeUndefined();
    const asked = await cache.cachedFind<Graph>('graphs', query);
    expect(cache.cachedFindNow('graphs', query)).toBe(asked);
    await cache.commit([upsert('g', 'Stopped', 2)]);
    expect(cache.cachedFindNow('graphs', query)).toBeUndefined();
    expect((await cache.cachedFind<Graph>('graphs', query)).documents.map((d) => d.doc.status)).toEqual(['Stopped']);
  });

  it('keeps an answer of thousands of small documents within its byte budget, and drops the oldest answers beyond it', async () => {
    const bodiesRead: number[] = [];
    const store = Object.assign(Object.create(openProcess()) as SqliteReadStore, {
      async findAgain<T>(this: SqliteReadStore, collection: string, query: FindQuery, known: ReadonlyMap<string, number>) {
        const answer = await SqliteReadStore.prototype.findAgain.call(this, collection, query, known);
        bodiesRead.push(answer.filter((found) => 'doc' in found).length);
        return answer as Array<StoredDocument<T> | KnownDocument>;
      },
    });
    // A placement's ledger read at 10x the bench's burst: 5,000 recent graphs, a few dozen bytes each.
    const many = Array.from({ length: 5000 }, (_, i) => upsert(`g${String(i).padStart(4, '0')}`, 'Running', i + 1));
    const answerBytes = many.reduce((sum, write) => sum + JSON.stringify(write.kind === 'upsert' ? write.doc : null).length, 0);
    // Room for the answer and its documents cached one by one (each counts twice), and little more.
    const cache = new CachingReadStore(store, { maxBytes: 2 * answerBytes + 1000 });
    await cache.commit(many);
    const everything = { where: { project: 'p' } };
    await cache.cachedFind<Graph>('graphs', everything);
    await cache.commit([upsert('g0042', 'Stopped', 6000)]);
    const again = await cache.cachedFind<Graph>('graphs', everything);
    expect(bodiesRead).toEqual([5000, 1]); // kept: asked again, only the changed body was read
    expect(again.documents.find((d) => d.id === 'g0042')?.doc.status).toBe('Stopped');

    // A second large answer does not fit beside the first: the first, least recently used, is dropped.
    await cache.cachedFind<Graph>('graphs', { where: { status: 'Running' } });
    await cache.commit([upsert('g0043', 'Stopped', 6001)]);
    await cache.cachedFind<Graph>('graphs', everything);
    expect(bodiesRead.at(-1)).toBe(5000);
  });

  // A request that reaches this process after another one committed is read from its socket in a later turn of the event loop.
  const laterRequest = () => new Promise((resolve) => setImmediate(resolve));

  it('sees what another process committed to the same SQLite file from the next request on', async () => {
    const reader = new CachingReadStore(openProcess());
    const writer = openProcess(); // the instance holding the projection's lease
    await writer.commit([upsert('g', 'Deploying', 3)]);
    expect(await reader.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3 });
    const query = { where: { project: 'p' } };
    expect((await reader.cachedFind<Graph>('graphs', query)).documents).toHaveLength(1);

    await writer.commit([upsert('g', 'Running', 8), upsert('h', 'Deploying', 9)], { name: 'projection:graphs', position: 9 });
    await laterRequest();
    expect(await reader.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 8, doc: { status: 'Running' } });
    expect((await reader.cachedFind<Graph>('graphs', query)).documents.map((d) => d.id)).toEqual(['g', 'h']);
  });

  it('sees a blue/green switch made by another process, even where a document kept its position', async () => {
    const reader = new CachingReadStore(openProcess());
    const rebuilder = openProcess();
    await rebuilder.commit([upsert('g', 'Deploying', 3)]);
    expect(await reader.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3, doc: { status: 'Deploying' } });
    // A rebuild with a changed projection: the same events (positions), another document.
    const next = await rebuilder.createCollectionVersion('graphs');
    await rebuilder.commit([{ ...upsert('g', 'Running', 3), collection: next }]);
    await rebuilder.switchCollection('graphs', next);
    await laterRequest();
    expect(await reader.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3, doc: { status: 'Running' } });
    expect((await reader.cachedFind<Graph>('graphs', { where: { project: 'p' } })).documents.map((d) => d.doc.status)).toEqual(['Running']);
  });

  it('sees a blue/green switch of the collection', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Deploying', 3)]);
    expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3 });
    const next = await cache.createCollectionVersion('graphs');
    await cache.commit([{ ...upsert('g', 'Running', 3), collection: next }]);
    await cache.switchCollection('graphs', next);
    expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3, doc: { status: 'Running' } });
  });

  it('hands out frozen copies: a reader cannot change what others are served', async () => {
    const cache = new CachingReadStore(openProcess());
    await cache.commit([upsert('g', 'Deploying', 3)]);
    const cached = (await cache.cachedGet<Graph>('graphs', 'g'))!;
    expect(() => {
      (cached.doc as { status: string }).status = 'Hacked';
    }).toThrow(TypeError);
    expect((await cache.cachedGet<Graph>('graphs', 'g'))!.doc.status).toBe('Deploying');
    // The port's own reads still give private, mutable copies.
    const own = (await cache.get<Graph>('graphs', 'g'))!;
    own.doc.status = 'Mine';
    expect((await cache.get<Graph>('graphs', 'g'))!.doc.status).toBe('Deploying');
  });

  describe('over a store that cannot tell whether another process wrote (no change stamp, like MongoDB)', () => {
    let clock: number;
    let shared: MemoryReadStore;
    let cache: CachingReadStore;

    beforeEach(() => {
      clock = 1_000_000;
      shared = new MemoryReadStore();
      // The same store without its change stamp: what the cache knows of a MongoDB read store.
      cache = new CachingReadStore(Object.assign(Object.create(shared) as MemoryReadStore, { changeStamp: undefined }), { maxStalenessMs: 500, now: () => clock });
    });

    it('serves a copy another process has since replaced for at most maxStalenessMs', async () => {
      await shared.commit([upsert('g', 'Deploying', 3)]);
      expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3 });
      await shared.commit([upsert('g', 'Running', 5)]); // another instance, not through this cache
      clock += 500;
      expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 3 });
      clock += 1;
      expect(await cache.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 5, doc: { status: 'Running' } });
    });

    it('keeps a copy checked again at the same position, with its renderings', async () => {
      await shared.commit([upsert('g', 'Deploying', 3)]);
      const first = (await cache.cachedGet<Graph>('graphs', 'g'))!;
      clock += 10_000;
      expect(await cache.cachedGet('graphs', 'g')).toBe(first);
    });

    it('does not cache a read that overlapped a write, so the older copy is not served afterwards', async () => {
      await shared.commit([upsert('g', 'Deploying', 3)]);
      // A remote store: the answer travels back while a write lands.
      let answerRead!: () => void;
      let deliver!: () => void;
      const read = new Promise<void>((resolve) => (answerRead = resolve));
      const delivered = new Promise<void>((resolve) => (deliver = resolve));
      const remote = Object.assign(Object.create(shared) as MemoryReadStore, {
        changeStamp: undefined,
        get: async <T,>(collection: string, id: string) => {
          const found = await shared.get<T>(collection, id);
          answerRead();
          await delivered;
          return found;
        },
      });
      const slow = new CachingReadStore(remote, { maxStalenessMs: 500, now: () => clock });
      const overlapping = slow.cachedGet<Graph>('graphs', 'g');
      await read; // position 3 has been read ...
      await slow.commit([upsert('g', 'Running', 4)]); // ... and position 4 is committed before it arrives
      deliver();
      expect((await overlapping)!.position).toBe(3);
      expect(await slow.cachedGet<Graph>('graphs', 'g')).toMatchObject({ position: 4 });
    });

    /** The size the cache counts for a test document (the memory store has no stored text: its JSON). */
    const bytesOf = (write: DocumentWrite) => JSON.stringify(write.kind === 'upsert' ? write.doc : null).length;

    it('drops the least recently used documents beyond maxBytes', async () => {
      const small = new CachingReadStore(Object.assign(Object.create(shared) as MemoryReadStore, { changeStamp: undefined }), { maxBytes: 2 * bytesOf(upsert('a', 'Running', 1)), now: () => clock });
      await shared.commit([upsert('a', 'Running', 1), upsert('b', 'Running', 2), upsert('c', 'Running', 3)]);
      await small.cachedGet('graphs', 'a');
      await small.cachedGet('graphs', 'b');
      await small.cachedGet('graphs', 'a');
      await small.cachedGet('graphs', 'c'); // drops b, the least recently used
      await shared.commit([upsert('a', 'Stopped', 4), upsert('b', 'Stopped', 5)]);
      expect(await small.cachedGet('graphs', 'a')).toMatchObject({ position: 1 }); // still cached (within the staleness bound)
      expect(await small.cachedGet('graphs', 'b')).toMatchObject({ position: 5 }); // read again
    });

    it('keeps a document read between every other one cached while a hundred others pass through', async () => {
      const others = Array.from({ length: 100 }, (_, i) => upsert(`g${i}`, 'Running', i + 2));
      const small = new CachingReadStore(Object.assign(Object.create(shared) as MemoryReadStore, { changeStamp: undefined }), { maxBytes: 10 * bytesOf(others[99]!), now: () => clock });
      await shared.commit([upsert('hot', 'Running', 1), ...others]);
      const hot = await small.cachedGet('graphs', 'hot');
      for (const other of others) {
        await small.cachedGet('graphs', other.id);
        expect(await small.cachedGet('graphs', 'hot')).toBe(hot); // the same copy: never evicted and read again
      }
      await shared.commit([upsert('g0', 'Stopped', 200)]);
      expect(await small.cachedGet('graphs', 'g0')).toMatchObject({ position: 200 }); // evicted long ago, so read again
    });
  });
});
