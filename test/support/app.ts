import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../../src/config/config';
import { createApp } from '../../src/app/create-app';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import type { Logger } from '../../src/observability/logger';
import { silentLogger } from './stores';

export interface RunningApp {
  url: string;
  runtime: Runtime;
  app: NestFastifyApplication;
  dataDir: string;
  /** Stops SMO; the data directory is removed unless `keepData` (to start again over it). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts SMO in-process on a free loopback port over a private data directory. The logger is
 * silent unless one is given (e.g. `createLogger({ level: 'trace', destination })` to capture lines).
 */
export async function startApp(env: Record<string, string> = {}, options: { logger?: Logger; dataDir?: string } = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'smo-app-'));
  const config = loadConfig({ SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal', PORT: '0', ...env });
  const runtime = await createRuntime(config, { logger: options.logger ?? silentLogger });
  const app = await createApp(runtime);
  await app.listen(config.port, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    runtime,
    app,
    dataDir,
    async close({ keepData = false } = {}) {
      await app.close();
      keepEventsForFixtures(dataDir);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For scripts/record-event-fixtures.ts (SMO_RECORD_EVENTS_DIR set): keeps a copy of the events a
 * test run recorded, WAL included, before its data directory is removed.
 */
export function keepEventsForFixtures(dataDir: string): void {
  const recordTo = process.env.SMO_RECORD_EVENTS_DIR;
  const file = join(dataDir, 'smo.db');
  if (!recordTo || !existsSync(file)) return;
  // A process or thread of the run may still be finishing a write (another instance on the same directory).
  const db = new DatabaseSync(file, { timeout: 10_000 });
  try {
    db.exec(`VACUUM INTO '${join(recordTo, `${randomUUID()}.db`)}'`);
  } finally {
    db.close();
  }
}
