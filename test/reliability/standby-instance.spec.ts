import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';
import { DurableProcessing } from '../../src/app/processing.composition';

interface Health {
  status: string;
  processing: Array<{ name: string; kind: string; state: string; processedPosition: number; lag: number }>;
  clusterSync: { lastSyncAt: string | null; lastError: string | null; consecutiveFailures: number; clusters: number };
}

const health = async (app: RunningApp) => (await (await fetch(`${app.url}/health`)).json()) as Health;
const standingBy = async (app: RunningApp) => (await app.runtime.processing.report()).every((runner) => runner.state === 'standby') || undefined;

/**
 * Two SMO instances over one SQLite store (in-process): the first holds every runner's lease and the cluster sync's;
 * the second stands by. What a platform engineer reads and asks of the second must not be wrong, or slow, only because
 * the first does the work.
 */
describe('the instance that holds no lease (two instances over one store)', () => {
  const apps: RunningApp[] = [];

  afterEach(async () => {
    // The second first (it keeps the data), the first last (it removes the data directory).
    const started = apps.splice(0);
    for (const app of [...started].reverse()) await app.close({ keepData: app !== started[0] });
  });

  const startBoth = async (env: Record<string, string> = {}) => {
    const first = await startApp({ SMO_LEASE_TTL: '2', ...env });
    apps.push(first);
    await first.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
    await first.runtime.processing.whenIdle();
    const second = await startApp({ SMO_LEASE_TTL: '2', ...env }, { dataDir: first.dataDir });
    apps.push(second);
    await eventually(() => standingBy(second), 10_000, 'the second instance to stand by');
    return { first, second };
  };

  it("reports the runners' positions the lease holder stored, not a lag that grows with every event (/health, /metrics)", async () => {
    const { first, second } = await startBoth();
    const deploy = await fetch(`${first.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deploy.status).toBe(200);
    await first.runtime.processing.whenIdle();
    const head = (await first.runtime.eventStore.headPosition()) ?? 0;
    expect(head).toBeGreaterThan(0);

    const report = (await health(second)).processing;
    expect(report.every((runner) => runner.state === 'standby')).toBe(true);
    // Every runner is at the head on the holder; the standby says so too (it said 0, lag = head, forever).
    expect(report.filter((runner) => runner.lag > 0 || runner.processedPosition < head).map((runner) => runner.name)).toEqual([]);
    expect((await health(second)).status).toBe('ok');
    const lagLines = (await (await fetch(`${second.url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('smo_processor_lag_events{'));
    expect(lagLines.length).toBeGreaterThan(0);
    expect(lagLines.filter((line) => !line.endsWith(' 0'))).toEqual([]);
  }, 60_000);
});
