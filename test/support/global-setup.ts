import { startFerretDb, type FerretDb } from './ferretdb';

/**
 * Starts the real servers the suites need, once per jest run: FerretDB (a MongoDB-wire server)
 * for the mongodb read-store contract suite, unless MONGO_URL already points at a server.
 * Without the binary the suite skips with the reason — except under CI=true, where that suite fails
 * (test/contracts/mongodb-read-store.spec.ts) while the others still run.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGO_URL) return;
  const ferretDb = await startFerretDb();
  if ('skipped' in ferretDb) {
    process.env.SMO_TEST_MONGO_SKIP = ferretDb.skipped;
    return;
  }
  process.env.SMO_TEST_MONGO_URL = `${ferretDb.url}smo-test`;
  // Said out loud so a CI log shows the mongodb read-store contract suite ran against a real server.
  console.log(`\nFerretDB (MongoDB wire protocol) started at ${ferretDb.url} for the mongodb read-store contract suite`);
  process.env.SMO_TEST_MONGO_SERVER = 'FerretDB';
  (globalThis as { __smoFerretDb?: FerretDb }).__smoFerretDb = ferretDb;
}
