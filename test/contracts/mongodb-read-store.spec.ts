import { MongoDbReadStore } from '../../src/readstore/mongodb-read-store';
import { describeReadStoreContract } from './read-store.contract';

// Set by test/support/global-setup.ts when it started FerretDB, or by the developer (MONGO_URL).
const url = process.env.SMO_TEST_MONGO_URL ?? process.env.MONGO_URL;
if (url) {
  describeReadStoreContract(`mongodb (${process.env.SMO_TEST_MONGO_SERVER ?? 'MONGO_URL'})`, async () => {
    let offset = 0;
    const store = await MongoDbReadStore.connect(url, { now: () => Date.now() + offset });
    return { store, advance: (ms) => (offset += ms), dispose: () => store.close() };
  });
} else {
  describe('ReadStore contract: mongodb', () => {
    it('is skipped: no MongoDB-wire server (FerretDB was not built; run scripts/build-tools.sh or set MONGO_URL)', () => {
      console.log(`MongoDB read-store contract skipped: ${process.env.SMO_TEST_MONGO_SKIP ?? 'no server configured'}`);
      expect(url).toBeUndefined();
    });
  });
}
