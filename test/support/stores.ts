import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store';
import { createLogger } from '../../src/observability/logger';
import { SqliteReadStore } from '../../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../../src/sqlite/sqlite-database';
import { ProcessingHost } from '../../src/processing/processing-host';
import type { ReadStore } from '../../src/readstore/read-store';

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

/**
 * For a describe block: fresh SQLite stores before each test, and the processing hosts a test
 * creates over them (retries a few milliseconds apart), stopped after it before the stores go.
 */
export function sqliteProcessing(options: { leaseTtlMs?: number } = {}) {
  let current: ReturnType<typeof sqliteStores> | undefined;
  let hosts: ProcessingHost[] = [];
  beforeEach(() => {
    current = sqliteStores();
    hosts = [];
  });
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await current?.dispose();
  });
  const stores = (): ReturnType<typeof sqliteStores> => {
    if (!current) throw new Error('the stores exist inside a test only');
    return current;
  };
  return {
    get stores() {
      return stores();
    },
    /** A host over the stores (or over `readStore`, a wrapper of them), stopped after the test. */
    host(readStore: ReadStore = stores().readStore): ProcessingHost {
      const host = new ProcessingHost({ eventStore: stores().eventStore, readStore, logger: silentLogger, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...options });
      hosts.push(host);
      return host;
    },
  };
}
