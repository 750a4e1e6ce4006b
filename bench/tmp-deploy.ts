import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app';
import { createRuntime } from '../src/app/runtime';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/observability/logger';
import { descriptorText } from '../test/support/graph-fixtures';
void (async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-rp-'));
  const config = loadConfig({ ...process.env, SMO_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SMO_RATE_LIMIT: '1000000', SMO_CLUSTER_SYNC_INTERVAL: '3600' });
  const runtime = await createRuntime(config, { logger: createLogger({ level: 'silent' }) });
  const app = await createApp(runtime);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const total: number[] = [];
  for (let i = 0; i < 40; i++) {
    await runtime.processing.whenIdle(30000);
    const t = performance.now();
    const r = await fetch(`${base}/project/p${i}/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml', prefer: 'respond-async' }, body: descriptorText('brussels-demo.upstream.hdag.yaml').replace(/image-detection-graph/g, `g${i}`) });
    total.push(performance.now() - t);
    if (r.status !== 202) throw new Error(String(r.status));
  }
  const phases = (globalThis as unknown as { __phases: number[][] }).__phases.slice(10);
  const avg = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
  console.log('intake+validate', avg(phases.map((p) => p[0]!)), 'clashes', avg(phases.map((p) => p[1]!)), 'command(append+fsync)', avg(phases.map((p) => p[2]!)), 'total http', avg(total.slice(10)));
  await app.close();
})();
