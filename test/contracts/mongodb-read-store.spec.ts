import { MongoClient } from 'mongodb';
import { MongoDbReadStore } from '../../src/readstore/mongodb-read-store';
import { INDEXED_FIELDS, INDEX_THEN_BY } from '../../src/readstore/read-store';
import { describeReadStoreContract } from './read-store.contract';

// Set by test/support/global-setup.ts when it started FerretDB, or by the developer (MONGO_URL).
const url = process.env.SMO_TEST_MONGO_URL ?? process.env.MONGO_URL;
if (url) {
  describeReadStoreContract(`mongodb (${process.env.SMO_TEST_MONGO_SERVER ?? 'MONGO_URL'})`, async () => {
    let offset = 0;
    const store = await MongoDbReadStore.connect(url, { now: () => Date.now() + offset });
    return { store, advance: (ms) => (offset += ms), dispose: () => store.close() };
  });

  describe('mongodb read store indexes', () => {
    it('indexes the fields find selects on (INDEXED_FIELDS) in each collection version it writes, then the fields they order by (INDEX_THEN_BY) and _id', async () => {
      const store = await MongoDbReadStore.connect(url);
      const client = new MongoClient(url);
      try {
        const logical = `indexed-${Date.now()}`;
        const version = await store.createCollectionVersion(logical);
        await store.commit([{ kind: 'upsert', collection: version, id: 'g', doc: { project: 'p', graphId: 'g' }, position: 1 }]);
        const indexes = await client.db().collection(version).listIndexes().toArray();
        for (const field of INDEXED_FIELDS) {
          const fields = [field, ...INDEX_THEN_BY[field]];
          const index = indexes.find((found) => found.name === ['doc', ...fields].join('_'));
          // In this order: the field, the fields the lists order by after it (a project's graphs by name), then _id.
          expect(Object.entries(index?.key ?? {})).toEqual([...fields.map((name) => [`doc.${name}`, 1]), ['_id', 1]]);
        }
        expect(await store.find(version, { where: { graphId: 'g' } })).toEqual([{ id: 'g', doc: { project: 'p', graphId: 'g' }, position: 1 }]);
      } finally {
        await client.close();
        await store.close();
      }
    });

    it('a restarted instance writes to the collections an earlier one indexed (asked to create indexes that all exist, FerretDB closed the connection)', async () => {
      const logical = `restarted-${Date.now()}`;
      const first = await MongoDbReadStore.connect(url);
      await first.commit([{ kind: 'upsert', collection: logical, id: 'a', doc: { project: 'p' }, position: 1 }]);
      await first.close();
      const restarted = await MongoDbReadStore.connect(url);
      try {
        await restarted.commit([{ kind: 'upsert', collection: logical, id: 'b', doc: { project: 'p' }, position: 2 }]);
        expect((await restarted.find(logical, { where: { project: 'p' } })).map((found) => found.id)).toEqual(['a', 'b']);
      } finally {
        await restarted.close();
      }
    });

    it('reads a document an earlier version stored, its field names unescaped, as it was stored (a literal "%2E" included)', async () => {
      const logical = `legacy-${Date.now()}`;
      const store = await MongoDbReadStore.connect(url);
      const client = new MongoClient(url);
      try {
        await store.commit([{ kind: 'upsert', collection: logical, id: 'seed', doc: { project: 'p' }, position: 1 }]);
        const legacy = { project: 'p', values: { 'rewrite%2Etarget': 'on', 'cost%24': 1 } };
        await client.db().collection<{ _id: string }>(await store.activeCollection(logical)).updateOne({ _id: 'old' }, { $set: { doc: legacy, position: 2 } }, { upsert: true });
        expect((await store.get(logical, 'old'))?.doc).toEqual(legacy);
        expect((await store.find(logical, { where: { project: 'p' } })).map((found) => found.doc)).toEqual([legacy, { project: 'p' }]);
      } finally {
        await client.close();
        await store.close();
      }
    });
  });
} else {
  const reason = process.env.SMO_TEST_MONGO_SKIP ?? 'no MongoDB-wire server: run scripts/build-tools.sh (FerretDB) or set MONGO_URL';
  if (process.env.CI === 'true') {
    // CI builds FerretDB (.ci/run), so a missing server there is a broken setup, not a reason to skip.
    describe('ReadStore contract: mongodb', () => {
      it('has its server under CI', () => {
        throw new Error(`CI must run the mongodb read-store contract suite: ${reason}`);
      });
    });
  } else {
    console.warn(`MongoDB read-store contract suite skipped: ${reason}`);
    describe.skip(`ReadStore contract: mongodb (skipped: ${reason})`, () => {
      it.skip('runs the read-store contract against a MongoDB-wire server', () => undefined);
    });
  }
}
