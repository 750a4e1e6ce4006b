import { ProcessingHost } from '../../src/processing/processing-host';
import type { ReadStore } from '../../src/readstore/read-store';
import { silentLogger, sqliteStores } from './stores';

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
