import { LeaseLostError, pagesOf, type KnownDocument, type ReadStore, type StoredDocument } from '../../src/readstore/read-store';

export interface ReadStoreHarness {
  store: ReadStore;
  /** Moves the store's clock (leases); adapters built on a real clock may ignore it. */
  advance(ms: number): void;
  dispose(): Promise<void>;
}

interface Graph {
  name: string;
  project: string;
  status: string;
  services: number;
  meta?: { zone: string };
}

/**
 * A document as the contract compares it. Its optional `bytes` (what the read cache's budget counts)
 * must be the length of the document's JSON text when an adapter gives it; adapters without the
 * stored text give none.
 */
function compared<D extends StoredDocument | KnownDocument | null>(document: D): D {
  if (!document || !('doc' in document)) return document;
  const { bytes, ...rest } = document;
  if (bytes !== undefined) expect(bytes).toBe(JSON.stringify(document.doc).length);
  return rest as D;
}

/** The one contract every read store adapter passes. Collection names are unique per test. */
export function describeReadStoreContract(adapter: string, create: () => Promise<ReadStoreHarness>): void {
  describe(`ReadStore contract: ${adapter}`, () => {
    let harness: ReadStoreHarness;
    let store: ReadStore;
    let graphs: string;
    let counter = 0;
    const graph = (name: string, project: string, status = 'Running', services = 1): Graph => ({ name, project, status, services });

    beforeEach(async () => {
      harness = await create();
      store = harness.store;
      graphs = `graphs-${Date.now().toString(36)}-${counter++}`;
    });
    afterEach(async () => harness.dispose());

    it('stores and gets documents with the position that wrote them', async () => {
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p'), position: 5 }]);
      expect(compared(await store.get(graphs, 'g1'))).toEqual({ id: 'g1', doc: graph('g1', 'p'), position: 5 });
      expect(await store.get(graphs, 'missing')).toBeNull();
      const many = await store.getMany<Graph>(graphs, ['g1', 'missing']);
      expect([...many.keys()]).toEqual(['g1']);
    });

    it("keeps field names SMO does not choose as they are: '.', a leading '$', '%' and NUL (cluster labels, Helm values)", async () => {
      const doc = {
        ...graph('g1', 'p'),
        labels: { 'smo.nephele.eu/trusted': 'true', 'app.kubernetes.io/name': 'x', '%2E': 'literal', 'nul\u0000key': 1 },
        values: [{ podAnnotations: { 'prometheus.io/scrape': 'true' }, $schema: 'https://example.org/s.json', nested: [{ 'a.b': { $ref: '#/c' } }] }],
      };
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc, position: 1 }], { name: `keys-${graphs}`, position: 1 });
      expect(compared(await store.get(graphs, 'g1'))).toEqual({ id: 'g1', doc, position: 1 });
      expect((await store.getMany(graphs, ['g1'])).get('g1')?.doc).toEqual(doc);
      expect((await store.find(graphs, { where: { project: 'p' } })).map((found) => found.doc)).toEqual([doc]);
    });

    it('stores a document as its JSON text says: undefined fields absent, undefined items null, -0 as 0, a Date its ISO text', async () => {
      // What SQLite stores (JSON.stringify): switching adapters must not change an answer, e.g. add `"error": null` where no error was.
      const written = (name: string) => ({
        ...graph(name, 'p'),
        error: undefined,
        meta: { zone: undefined, region: 'r', empty: {} },
        items: [1, undefined, 3],
        zero: -0,
        big: Number.MAX_SAFE_INTEGER,
        at: new Date('2024-05-06T07:08:09.010Z'),
      });
      const read = (name: string) => ({ ...graph(name, 'p'), meta: { region: 'r', empty: {} }, items: [1, null, 3], zero: 0, big: Number.MAX_SAFE_INTEGER, at: '2024-05-06T07:08:09.010Z' });
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'a', doc: written('a'), position: 1 }]);
      // With a checkpoint too: a store without transactions records the writes first (its pending commit).
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'b', doc: written('b'), position: 2 }], { name: `json-${graphs}`, position: 2 });
      // toStrictEqual: toEqual takes a field holding undefined as absent.
      expect(compared(await store.get(graphs, 'a'))).toStrictEqual({ id: 'a', doc: read('a'), position: 1 });
      expect((await store.getMany(graphs, ['a', 'b'])).get('b')?.doc).toStrictEqual(read('b'));
      expect((await store.find(graphs, { where: { project: 'p' } })).map((found) => compared(found).doc)).toStrictEqual([read('a'), read('b')]);
      expect((await store.findAgain(graphs, { where: { project: 'p' } }, new Map([['a', 1]]))).map(compared)).toStrictEqual([{ id: 'a', position: 1 }, { id: 'b', doc: read('b'), position: 2 }]);
      // An absent field is found as null.
      expect((await store.find(graphs, { where: { error: null, 'meta.zone': null } })).map((found) => found.id)).toEqual(['a', 'b']);
    });

    it('stores NaN and the infinities as null, as JSON does, rather than refusing the commit', async () => {
      const doc = { ...graph('g1', 'p'), ratio: NaN, limit: Infinity, floor: [-Infinity] };
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc, position: 1 }], { name: `finite-${graphs}`, position: 1 });
      expect((await store.get(graphs, 'g1'))?.doc).toStrictEqual({ ...graph('g1', 'p'), ratio: null, limit: null, floor: [null] });
      expect(await store.getCheckpoint(`finite-${graphs}`)).toBe(1);
    });

    it('ignores a write whose position is not newer than the stored one, so replays change nothing', async () => {
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p', 'Stopped'), position: 10 }]);
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p', 'Running'), position: 9 }]);
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p', 'Running'), position: 10 }]);
      expect((await store.get<Graph>(graphs, 'g1'))?.doc.status).toBe('Stopped');
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p', 'Running'), position: 11 }]);
      expect((await store.get<Graph>(graphs, 'g1'))?.doc.status).toBe('Running');
    });

    it('applies every newer write of a batch even when an earlier one in it is stale', async () => {
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'b', doc: graph('b', 'p', 'Stopped'), position: 9 }]);
      await store.commit([
        { kind: 'upsert', collection: graphs, id: 'a', doc: graph('a', 'p'), position: 10 },
        { kind: 'upsert', collection: graphs, id: 'b', doc: graph('b', 'p', 'Running'), position: 8 },
        { kind: 'upsert', collection: graphs, id: 'c', doc: graph('c', 'p'), position: 10 },
        { kind: 'delete', collection: graphs, id: 'd', position: 10 },
        { kind: 'upsert', collection: graphs, id: 'e', doc: graph('e', 'p'), position: 10 },
      ]);
      expect((await store.find<Graph>(graphs)).map((d) => `${d.id}:${d.doc.status}`)).toEqual(['a:Running', 'b:Stopped', 'c:Running', 'e:Running']);
    });

    it('deletes with a tombstone that an older replayed write cannot resurrect', async () => {
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p'), position: 3 }]);
      await store.commit([{ kind: 'delete', collection: graphs, id: 'g1', position: 7 }]);
      expect(await store.get(graphs, 'g1')).toBeNull();
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p'), position: 3 }]);
      expect(await store.get(graphs, 'g1')).toBeNull();
      expect(await store.find(graphs)).toEqual([]);
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g1', doc: graph('g1', 'p'), position: 8 }]);
      expect(await store.get(graphs, 'g1')).not.toBeNull();
    });

    it('finds by field equality (also nested, boolean and null) with sort, limit and offset', async () => {
      await store.commit([
        { kind: 'upsert', collection: graphs, id: 'a', doc: { ...graph('a', 'p1', 'Running', 3), meta: { zone: 'z1' } }, position: 1 },
        { kind: 'upsert', collection: graphs, id: 'b', doc: { ...graph('b', 'p1', 'Stopped', 1), meta: { zone: 'z2' } }, position: 2 },
        { kind: 'upsert', collection: graphs, id: 'c', doc: { ...graph('c', 'p2', 'Running', 2), meta: { zone: 'z1' } }, position: 3 },
        { kind: 'upsert', collection: graphs, id: 'd', doc: { ...graph('d', 'p1', 'Running', 2), gpu: true, note: null }, position: 4 },
      ]);
      const ids = async (query: Parameters<ReadStore['find']>[1]) => (await store.find(graphs, query)).map((d) => d.id);
      expect(await ids({ where: { project: 'p1' } })).toEqual(['a', 'b', 'd']);
      expect(await ids({ where: { project: 'p1', status: 'Running' } })).toEqual(['a', 'd']);
      expect(await ids({ where: { 'meta.zone': 'z1' } })).toEqual(['a', 'c']);
      expect(await ids({ where: { gpu: true } })).toEqual(['d']);
      expect(await ids({ orderBy: [{ field: 'services', direction: 'desc' }] })).toEqual(['a', 'c', 'd', 'b']);
      expect(await ids({ orderBy: [{ field: 'services' }], limit: 2 })).toEqual(['b', 'c']);
      expect(await ids({ orderBy: [{ field: 'name' }], limit: 2, offset: 1 })).toEqual(['b', 'c']);
      expect(await ids({ where: { project: 'nope' } })).toEqual([]);
      expect(await ids({ where: { project: { in: ['p2', 'nope'] } } })).toEqual(['c']);
      expect(await ids({ where: { project: { in: ['p1', 'p2'] }, status: 'Running' } })).toEqual(['a', 'c', 'd']);
      expect(await ids({ where: { services: { in: [2, 3] } }, orderBy: [{ field: 'services' }] })).toEqual(['c', 'd', 'a']);
      expect(await ids({ where: { gpu: { in: [true] } } })).toEqual(['d']);
      expect(await ids({ where: { project: { in: [] } } })).toEqual([]);
    });

    it('finds by membership through an indexed field', async () => {
      await store.commit(
        [5, 6, 7, 9].map((minute, i) => ({ kind: 'upsert' as const, collection: graphs, id: `g${minute}`, doc: { graphId: `g${minute}`, placedMinute: minute }, position: i + 1 })),
      );
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'none', doc: { graphId: 'none' }, position: 5 }]);
      const found = await store.find(graphs, { where: { placedMinute: { in: [6, 7, 8] } } });
      expect(found.map((d) => d.id)).toEqual(['g6', 'g7']);
    });

    it('answers a query again with only the bodies the caller does not hold at their position (findAgain)', async () => {
      await store.commit(
        ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ kind: 'upsert' as const, collection: graphs, id, doc: graph(id, id === 'c' ? 'p2' : 'p1', 'Running', i), position: i + 1 })),
      );
      const query = { where: { project: 'p1' }, orderBy: [{ field: 'services', direction: 'desc' as const }], limit: 3 };
      const first = await store.find(graphs, query);
      expect(first.map((d) => d.id)).toEqual(['e', 'd', 'b']);
      // b changed since it was read; a is held but not selected; x is held but does not exist.
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'b', doc: graph('b', 'p1', 'Stopped', 1), position: 6 }]);
      const known = new Map([...first.map((d) => [d.id, d.position] as const), ['a', 1], ['x', 9]]);
      const again = await store.findAgain(graphs, query, known);
      expect(again.map(compared)).toEqual([
        { id: 'e', position: 5 },
        { id: 'd', position: 4 },
        { id: 'b', doc: graph('b', 'p1', 'Stopped', 1), position: 6 },
      ]);
      // Nothing held: the same documents as find, bodies and all; nothing selected: nothing.
      expect(await store.findAgain(graphs, query, new Map())).toEqual(await store.find(graphs, query));
      expect(await store.findAgain(graphs, { where: { project: 'nope' } }, known)).toEqual([]);
      // A deleted document is not answered, held or not.
      await store.commit([{ kind: 'delete', collection: graphs, id: 'e', position: 7 }]);
      expect((await store.findAgain(graphs, query, known)).map((d) => d.id)).toEqual(['d', 'b', 'a']);
    });

    it('pages in id order after a given id (keyset), together with the other conditions', async () => {
      await store.commit(
        ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ kind: 'upsert' as const, collection: graphs, id, doc: graph(id, id === 'c' ? 'p2' : 'p1'), position: i + 1 })),
      );
      const ids = async (query: Parameters<ReadStore['find']>[1]) => (await store.find(graphs, query)).map((d) => d.id);
      expect(await ids({ afterId: 'b' })).toEqual(['c', 'd', 'e']);
      expect(await ids({ afterId: 'bb' })).toEqual(['c', 'd', 'e']);
      expect(await ids({ where: { project: 'p1' }, afterId: 'b', limit: 1 })).toEqual(['d']);
      expect(await ids({ where: { project: 'p1' }, afterId: 'd' })).toEqual(['e']);
      expect(await ids({ afterId: 'e' })).toEqual([]);
      expect(await ids({ afterId: '' })).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('starts after a given document in any ascending order (keyset paging of the list routes: project, then name)', async () => {
      // Names repeat across projects and sort otherwise than the ids: only the whole key (project, name, id) tells the rows apart.
      const rows: Array<[id: string, name: string, project: string]> = [['g5', 'a', 'p2'], ['g1', 'b', 'p1'], ['g4', 'a', 'p1'], ['g2', 'c', 'p2'], ['g3', 'b', 'p2'], ['g6', 'b', 'p2']];
      await store.commit(rows.map(([id, name, project], i) => ({ kind: 'upsert' as const, collection: graphs, id, doc: graph(name, project), position: i + 1 })));
      const orderBy = [{ field: 'project' }, { field: 'name' }];
      const ids = async (query: Parameters<ReadStore['find']>[1]) => (await store.find(graphs, query)).map((d) => d.id);
      expect(await ids({ orderBy })).toEqual(['g4', 'g1', 'g5', 'g3', 'g6', 'g2']);
      expect(await ids({ orderBy, after: { values: ['p1', 'b'], id: 'g1' } })).toEqual(['g5', 'g3', 'g6', 'g2']);
      expect(await ids({ orderBy, after: { values: ['p2', 'b'], id: 'g3' }, limit: 1 })).toEqual(['g6']);
      expect(await ids({ orderBy, after: { values: ['p2', 'b'], id: 'g6' } })).toEqual(['g2']);
      // A document removed since is no obstacle: the next page starts where it would have been.
      expect(await ids({ orderBy, after: { values: ['p1', 'bb'], id: 'gone' } })).toEqual(['g5', 'g3', 'g6', 'g2']);
      expect(await ids({ where: { project: 'p2' }, orderBy: [{ field: 'name' }], after: { values: ['a'], id: 'g5' } })).toEqual(['g3', 'g6', 'g2']);
      expect(await ids({ orderBy, after: { values: ['p2', 'c'], id: 'g2' } })).toEqual([]);
      // Every page after the first, chained, gives every document once.
      const seen: string[] = [];
      let after: { values: string[]; id: string } | undefined;
      for (;;) {
        const page = await store.find<Graph>(graphs, { orderBy, limit: 2, ...(after ? { after } : {}) });
        seen.push(...page.map((d) => d.id));
        if (page.length < 2) break;
        const last = page[page.length - 1]!;
        after = { values: [last.doc.project, last.doc.name], id: last.id };
      }
      expect(seen).toEqual(['g4', 'g1', 'g5', 'g3', 'g6', 'g2']);
      await expect(store.find(graphs, { orderBy, after: { values: ['p1'], id: 'g1' } })).rejects.toThrow(/after/);
    });

    it('pages through every selected document once, in id order (pagesOf)', async () => {
      await store.commit(
        ['e', 'a', 'd', 'b', 'c', 'f', 'g'].map((id, i) => ({ kind: 'upsert' as const, collection: graphs, id, doc: graph(id, id === 'c' ? 'p2' : 'p1'), position: i + 1 })),
      );
      const pages = async (query: Parameters<typeof pagesOf>[2], size: number) => {
        const seen: string[][] = [];
        for await (const page of pagesOf(store, graphs, query, size)) seen.push(page.map((d) => d.id));
        return seen;
      };
      expect(await pages({}, 3)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
      expect(await pages({ where: { project: 'p1' } }, 2)).toEqual([['a', 'b'], ['d', 'e'], ['f', 'g']]);
      expect(await pages({ where: { project: 'p1' } }, 6)).toEqual([['a', 'b', 'd', 'e', 'f', 'g']]);
      expect(await pages({ where: { project: 'nope' } }, 2)).toEqual([]);
    });

    it('refuses field paths that could inject into a query', async () => {
      await expect(store.find(graphs, { where: { "x') OR 1=1 --": 'y' } })).rejects.toThrow(/Invalid field path/);
    });

    it('moves a checkpoint forward only, together with the documents', async () => {
      expect(await store.getCheckpoint('p')).toBeNull();
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'g', doc: graph('g', 'p'), position: 4 }], { name: 'p', position: 4 });
      expect(await store.getCheckpoint('p')).toBe(4);
      await store.commit([], { name: 'p', position: 2 });
      expect(await store.getCheckpoint('p')).toBe(4);
    });

    it('grants a lease to one owner at a time, renews it, and lets it be taken after expiry', async () => {
      expect(await store.acquireLease('proc', 'one', 1000)).toBe(true);
      expect(await store.acquireLease('proc', 'two', 1000)).toBe(false);
      expect(await store.acquireLease('proc', 'one', 1000)).toBe(true);
      await store.releaseLease('proc', 'one');
      expect(await store.acquireLease('proc', 'two', 1000)).toBe(true);
    });

    it('lists the leases held now with their owners: not one released, nor one expired', async () => {
      expect(await store.acquireLease('listed', 'owner-a', 10_000)).toBe(true);
      expect(await store.acquireLease('released', 'owner-b', 10_000)).toBe(true);
      await store.releaseLease('released', 'owner-b');
      expect(await store.acquireLease('expiring', 'owner-c', 50)).toBe(true);
      harness.advance(100);
      await new Promise((r) => setTimeout(r, 120));
      const held = ((await store.leaseHolders?.()) ?? []).filter((lease) => ['listed', 'released', 'expiring'].includes(lease.name));
      expect(held).toEqual([{ name: 'listed', owner: 'owner-a' }]);
    });

    it('fences checkpoint writes: an owner whose lease was taken over cannot move the checkpoint', async () => {
      expect(await store.acquireLease('fenced', 'one', 50)).toBe(true);
      await store.commit([], { name: 'fenced', position: 1, owner: 'one' });
      harness.advance(100);
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.acquireLease('fenced', 'two', 10_000)).toBe(true);
      await expect(store.commit([], { name: 'fenced', position: 2, owner: 'one' })).rejects.toBeInstanceOf(LeaseLostError);
      await store.commit([], { name: 'fenced', position: 3, owner: 'two' });
      expect(await store.getCheckpoint('fenced')).toBe(3);
    });

    it('keeps commits made at once apart: one refused (lease lost) takes back only its own documents and checkpoint', async () => {
      expect(await store.acquireLease('held', 'one', 10_000)).toBe(true);
      const outcomes = await Promise.allSettled([
        store.commit([{ kind: 'upsert', collection: graphs, id: 'a', doc: graph('a', 'p'), position: 1 }], { name: 'held', position: 1, owner: 'one' }),
        store.commit([{ kind: 'upsert', collection: graphs, id: 'b', doc: graph('b', 'p'), position: 2 }], { name: 'held', position: 2, owner: 'intruder' }),
        store.commit([{ kind: 'upsert', collection: graphs, id: 'c', doc: graph('c', 'p'), position: 3 }], { name: 'free', position: 3 }),
      ]);
      // The reasons are in the comparison: a failure elsewhere shows what it was.
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual(['fulfilled', expect.stringMatching(/^LeaseLostError/), 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
      expect((await store.find(graphs)).map((d) => d.id)).toEqual(['a', 'c']);
      expect([await store.getCheckpoint('held'), await store.getCheckpoint('free')]).toEqual([1, 3]);
    });

    it('builds a new collection version aside and switches to it (blue/green)', async () => {
      await store.commit([{ kind: 'upsert', collection: graphs, id: 'old', doc: graph('old', 'p'), position: 1 }]);
      const first = await store.activeCollection(graphs);
      const next = await store.createCollectionVersion(graphs);
      expect(next).not.toBe(first);
      await store.commit([{ kind: 'upsert', collection: next, id: 'new', doc: graph('new', 'p'), position: 1 }]);
      expect((await store.find(graphs)).map((d) => d.id)).toEqual(['old']);
      await store.switchCollection(graphs, next);
      expect(await store.activeCollection(graphs)).toBe(next);
      expect((await store.find(graphs)).map((d) => d.id)).toEqual(['new']);
      await store.dropCollection(first);
      expect(await store.find(first)).toEqual([]);
      const third = await store.createCollectionVersion(graphs);
      expect(new Set([first, next, third]).size).toBe(3);
    });

    // More documents than SQLite deletes per statement (500); FerretDB writes them at about 25 ms each.
    it('drops every document of a version, however many, and none of another', async () => {
      const version = await store.createCollectionVersion(graphs);
      const docs = (collection: string, count: number) => Array.from({ length: count }, (_, i) => ({ kind: 'upsert' as const, collection, id: `d${i}`, doc: graph(`d${i}`, 'p'), position: i + 1 }));
      await store.commit([...docs(version, 520), ...docs(graphs, 3)]);
      await store.dropCollection(version);
      expect(await store.find(version)).toEqual([]);
      expect(await store.find(graphs)).toHaveLength(3);
    }, 60_000);
  });
}
