import { rmSync } from 'node:fs';
import type { FerretDb } from './ferretdb';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __smoFerretDb?: FerretDb }).__smoFerretDb?.stop();
  // The run's temporary directory (see globalSetup), with whatever the tests left in it.
  const runTmpdir = process.env.SMO_TEST_RUN_TMPDIR;
  if (runTmpdir) rmSync(runTmpdir, { recursive: true, force: true, maxRetries: 3 });
}
