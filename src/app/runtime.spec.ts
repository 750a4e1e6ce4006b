import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config';
import { createLogger } from '../observability/logger';
import { createRuntime } from './runtime';

describe('Runtime.close', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'smo-runtime-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const open = () =>
    createRuntime(loadConfig({ SMO_DATA_DIR: dataDir, SMO_CLUSTER_SYNC_INTERVAL: '3600' }), { logger: createLogger({ level: 'silent' }) });
  // SQLite removes the WAL file when its last connection closes: what tells the file was closed.
  const walOpen = () => existsSync(join(dataDir, 'smo.db-wal'));

  it('closes the SQLite file', async () => {
    const runtime = await open();
    expect(walOpen()).toBe(true);
    await runtime.close();
    expect(walOpen()).toBe(false);
  });

  it('still closes the stores when stopping the processors fails, and reports that failure', async () => {
    const runtime = await open();
    // A fault the real runners cannot be made to produce on demand.
    jest.spyOn(runtime.processing, 'stop').mockRejectedValueOnce(new Error('a runner would not stop'));
    await expect(runtime.close()).rejects.toThrow('a runner would not stop');
    expect(walOpen()).toBe(false);
  });
});
