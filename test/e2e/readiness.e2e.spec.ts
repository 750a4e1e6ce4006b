import { rmSync } from 'node:fs';
import { startApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { appendLongHistory } from '../support/long-history';
import { startSmoProcess, type SmoProcess } from '../support/smo-process';
import { sqliteStores } from '../support/stores';
import { graphStream, type PlacementDecided } from '../../src/domain/graph/events';

const GRAPH = 'image-detection-graph';
const HISTORY = 40_000;

/**
 * Readiness is not liveness: after a restart (an upgrade, history imported while SMO was down) the read
 * models catch up for a while, and meanwhile the query routes answer from behind. A load balancer or a
 * Kubernetes readinessProbe must hold traffic back then (GET /health/ready: 503), while the liveness probe
 * (GET /health/live) keeps saying the process is fine, so it is not restarted in a loop during a long catch-up.
 */
describe('GET /health/ready', () => {
  let dataDir: string | undefined;
  let smo: SmoProcess | undefined;

  afterAll(async () => {
    await smo?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while the read models catch up with the events recorded before the start, 200 once they have, and stays open with SMO_PROTECT_OPERATIONS', async () => {
    const first = await startApp();
    dataDir = first.dataDir;
    const deployed = await fetch(`${first.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deployed.status).toBe(200);
    const basis = (await first.runtime.eventStore.readStream(graphStream(GRAPH))).find((e) => e.type === 'PlacementDecided')!.data as PlacementDecided['data'];
    await first.runtime.processing.whenIdle(30_000);
    await first.close({ keepData: true });
    // History written while SMO is down: every projection has it to catch up on.
    const stores = sqliteStores({ dir: dataDir });
    await appendLongHistory(stores.eventStore, GRAPH, HISTORY, basis, { batch: 2000 });
    await stores.dispose(false);

    const token = 'readiness-operate-token-0123456789';
    smo = await startSmoProcess({ SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal', SMO_API_TOKENS: `${token}:operate`, SMO_BIND: '127.0.0.1', SMO_PROTECT_OPERATIONS: 'true' });
    const url = smo.url;
    const auth = { authorization: `Bearer ${token}` };
    const answers: Array<{ ready: number; live: number; revision: number }> = [];
    for (;;) {
      // No token: probes do not carry one, and these two say nothing but whether to restart SMO or route to it.
      const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
      const live = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(10_000) });
      const graph = (await (await fetch(`${url}/graphs/${GRAPH}`, { headers: auth })).json()) as { revision: number };
      answers.push({ ready: ready.status, live: live.status, revision: graph.revision });
      if (ready.status === 200) {
        expect(await ready.json()).toEqual({ status: 'ready' });
        break;
      }
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await ready.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/catching up/) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // While it was not ready, the graph was read from behind; once ready, with its whole history.
    expect(answers.filter((a) => a.ready === 503).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.ready === 503).some((a) => a.revision < HISTORY)).toBe(true);
    expect(answers.every((a) => a.live === 200)).toBe(true);
    const revision = ((await (await fetch(`${url}/graphs/${GRAPH}`, { headers: auth })).json()) as { revision: number }).revision;
    expect(revision).toBeGreaterThanOrEqual(HISTORY);
    // The detailed view stays behind the token.
    expect((await fetch(`${url}/health`)).status).toBe(401);
  }, 180_000);
});
