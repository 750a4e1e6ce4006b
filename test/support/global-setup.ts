import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type FerretDb } from './ferretdb';

/**
 * Once per jest run: a temporary directory of the run's own, and the real servers the suites need.
 *
 * Every temporary file of the run goes in that directory (TMPDIR, which the workers, the SMO processes
 * the tests start and os.tmpdir() read), and globalTeardown removes it: what a test leaves behind (a
 * process it killed during a helm call, a directory it made without removing it) does not pile up in
 * the machine's /tmp from one run to the next.
 *
 * FerretDB (a MongoDB-wire server) serves the mongodb read-store contract suite, unless MONGO_URL already
 * points at a server. Without the binary the suite skips with the reason — except under CI=true, where that
 * suite fails (test/contracts/mongodb-read-store.spec.ts) while the others still run.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SMO_TEST_RUN_TMPDIR = process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'smo-jest-'));
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
