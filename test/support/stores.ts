import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { createLogger } from '../../src/observability/logger';
import { SqliteReadStore } from '../../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';

export const silentLogger = createLogger({ level: 'silent' });

/** Real SQLite event and read stores in one file of a private temporary directory. */
export function sqliteStores(options: { dir?: string } = {}) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'smo-test-'));
  const database = new SqliteDatabase({ path: join(dir, 'smo.db'), synchronous: 'normal' });
  const eventStore = new SqliteEventStore(database);
  const readStore = new SqliteReadStore(database);
  return {
    dir,
    database,
    eventStore,
    readStore,
    async dispose(removeDir = true) {
      await eventStore.close();
      database.close();
      if (removeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
