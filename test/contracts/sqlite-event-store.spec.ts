import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-es-'));
  const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'normal' });
  const store = new SqliteEventStore(database);
  return {
    store,
    dispose: async () => {
      await store.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
