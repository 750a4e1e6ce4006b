import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakePrometheus, errorReply } from '../fakes/prometheus/fake-prometheus';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';
import { DurableProcessing } from '../../src/app/processing.composition';

const SIMULATED_CLUSTERS = join(__dirname, '..', '..', 'config', 'simulated-clusters.yaml');

interface Health {
  status: string;
  processing: Array<{ name: string; kind: string; state: string; processedPosition: number; lag: number }>;
  clusterSync: { lastSyncAt: string | null; lastError: string | null; consecutiveFailures: number; clusters: number };
  scaling: { lastRoundAt: string | null; lastError: string | null; consecutiveFailures: number; servicesWithoutData: number } | null;
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
  let dir: string | undefined;

  afterEach(async () => {
    // The second first (it keeps the data), the first last (it removes the data directory).
    const started = apps.splice(0);
    for (const app of [...started].reverse()) await app.close({ keepData: app !== started[0] });
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
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

  it('reports the cluster sync the lease holder ran (lastSyncAt, clusters), not "never synced"', async () => {
    const { first, second } = await startBoth();
    const synced = first.app.get(DurableProcessing).clusterSync.status();
    expect(synced.lastSyncAt).not.toBeNull();
    const sync = await eventually(async () => {
      const reported = (await health(second)).clusterSync;
      return reported.lastSyncAt !== null ? reported : undefined;
    }, 5_000, "the standby's /health to show the holder's last sync");
    expect(sync).toMatchObject({ clusters: synced.clusters, lastError: null, consecutiveFailures: 0 });
    expect(Date.parse(sync.lastSyncAt!)).toBeGreaterThanOrEqual(Date.parse(synced.lastSyncAt!));
  }, 60_000);

  it("follows the holder's later syncs within a lease TTL, not once per sync interval (an hour here)", async () => {
    const { first, second } = await startBoth({ SMO_CLUSTER_SYNC_INTERVAL: '3600' });
    await eventually(async () => (await health(second)).clusterSync.lastSyncAt ?? undefined, 5_000, "the standby's /health to show the holder's first sync");
    await new Promise((resolve) => setTimeout(resolve, 10)); // the next sync's time differs from the first's
    expect((await fetch(`${first.url}/clusters/sync`, { method: 'POST' })).status).toBe(200);
    const resynced = first.app.get(DurableProcessing).clusterSync.status().lastSyncAt!;
    // SMO_LEASE_TTL=2: read again within 2 s (it was an hour).
    await eventually(async () => ((await health(second)).clusterSync.lastSyncAt === resynced) || undefined, 6_000, "the standby's /health to show the holder's new sync");
  }, 60_000);

  it("sees the holder's first sync as soon as it is recorded when it started before it: a dry run there does not wait out the inventory bound", async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-standby-'));
    const clustersFile = join(dir, 'clusters.yaml');
    // No inventory yet (Karmada unreachable, as at a cold start of the cluster): the first instance holds the sync's lease and fails.
    const env = { SMO_LEASE_TTL: '2', SMO_SIMULATED_CLUSTERS: clustersFile };
    const first = await startApp(env);
    apps.push(first);
    const firstSync = first.app.get(DurableProcessing).clusterSync;
    await eventually(async () => firstSync.status().consecutiveFailures > 0 || undefined, 10_000, 'the first sync to fail');
    const second = await startApp(env, { dataDir: first.dataDir });
    apps.push(second);
    await eventually(() => standingBy(second), 10_000, 'the second instance to stand by');
    // The holder's failure is the cluster's: the standby's /health says the sync fails too.
    await eventually(async () => (await health(second)).clusterSync.consecutiveFailures > 0 || undefined, 5_000, "the standby's /health to show the holder's failing sync");

    copyFileSync(SIMULATED_CLUSTERS, clustersFile);
    await eventually(async () => firstSync.status().lastSyncAt !== null || undefined, 10_000, 'the first instance to sync');
    await first.runtime.processing.whenIdle();

    const started = Date.now();
    const dryRun = await fetch(`${second.url}/project/demo/graphs?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    const tookMs = Date.now() - started;
    expect(dryRun.status).toBe(200);
    const answer = (await dryRun.json()) as { placement: { feasible: boolean }; warnings: unknown[] };
    expect(answer.placement.feasible).toBe(true);
    expect(answer.warnings).toEqual([]);
    // Its own sync loop looked for the holder's inventory once, at its start, and then only a sync interval (30 s) later:
    // every dry run waited the 5 s inventory bound meanwhile (and every placement here, under the placement lease, up to 30 s).
    expect(tookMs).toBeLessThan(2_000);
    expect((await health(second)).clusterSync).toMatchObject({ consecutiveFailures: 0, lastError: null, clusters: 2 });
  }, 60_000);

  it('reports the scaling rounds the lease holder ran (lastRoundAt, failures), not "never scaled"', async () => {
    const prometheus = new FakePrometheus();
    try {
      // Prometheus refuses every query: each round of the holder fails on the deployed graph's request rates.
      prometheus.answer(() => errorReply(503, 'unavailable', 'prometheus is down'));
      const { first, second } = await startBoth({ SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: await prometheus.start() });
      const deploy = await fetch(`${first.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect(deploy.status).toBe(200);
      const scaling = first.app.get(DurableProcessing).scaling!;
      await eventually(async () => scaling.status().consecutiveFailures > 0 || undefined, 10_000, "the holder's scaling round to fail");

      const reported = await eventually(async () => {
        const answer = await health(second);
        return answer.scaling?.lastRoundAt && answer.scaling.consecutiveFailures > 0 ? answer : undefined;
      }, 5_000, "the standby's /health to show the holder's failing rounds");
      expect(reported.scaling!.lastError).toContain('request rate of');
      expect(reported.status).toBe('degraded');
    } finally {
      await prometheus.stop();
    }
  }, 60_000);

  it('refuses a projection rebuild asked of the standby with 409 naming why (the holder would write on into the versions it replaces); the holder rebuilds', async () => {
    const { first, second } = await startBoth();
    const rebuild = (app: RunningApp, prefer?: string) => fetch(`${app.url}/admin/projections/graphs/rebuild`, { method: 'POST', headers: prefer ? { prefer } : {} });
    for (const prefer of [undefined, 'respond-async']) {
      const refused = await rebuild(second, prefer);
      expect({ status: refused.status, body: await refused.json() }).toEqual({ status: 409, body: expect.objectContaining({ detail: expect.stringContaining('runs on another SMO instance') }) });
    }
    const rebuilt = await rebuild(first);
    expect({ status: rebuilt.status, body: await rebuilt.json() }).toEqual({ status: 200, body: expect.objectContaining({ status: 'rebuilt', projection: 'graphs' }) });
  }, 60_000);
});
