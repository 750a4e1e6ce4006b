import { SqliteReadStore } from '../../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { describeReadStoreContract } from './read-store.contract';

describeReadStoreContract('sqlite', async () => {
  const database = new SqliteDatabase({ path: ':memory:' });
  let offset = 0;
  const store = new SqliteReadStore(database, () => Date.now() + offset);
  return { store, advance: (ms) => (offset += ms), dispose: async () => database.close() };
});
