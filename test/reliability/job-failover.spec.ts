import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakePrometheus } from '../fakes/prometheus/fake-prometheus';
import { eventually, startSmoProcess, type SmoProcess } from '../support/smo-process';

const SIMULATED_CLUSTERS = join(__dirname, '..', '..', 'config', 'simulated-clusters.yaml');
const LEASE_TTL_SECONDS = 2;
const SCALING_INTERVAL_SECONDS = 5;

interface Health {
  processing: Array<{ state: string }>;
  clusterSync: { lastSyncAt: string | null; clusters: number };
  scaling: { lastRoundAt: string | null; consecutiveFailures: number } | null;
}

const health = async (smo: SmoProcess) => (await (await fetch(`${smo.url}/health`)).json()) as Health;

/**
 * The periodic jobs (the cluster sync, the autoscaler) run on the SMO instance holding their lease, as the runners do.
 * When that instance dies, the other takes them over about one SMO_LEASE_TTL after the last renewal, as it takes over
 * the runners, not after a multiple of the job's own interval (which can be minutes, or an hour).
 */
describe('periodic jobs with two SMO instances over one store, the holder killed', () => {
  let dir: string;
  let clustersFile: string;
  let prometheus: FakePrometheus;
  const instances: SmoProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-jobs-'));
    clustersFile = join(dir, 'clusters.yaml');
    copyFileSync(SIMULATED_CLUSTERS, clustersFile);
    prometheus = new FakePrometheus();
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((smo) => smo.kill()));
    await prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first holds every lease (it synced, and scaled once); the second stands by. */
  const startBoth = async () => {
    const env = {
      SMO_DATA_DIR: join(dir, 'data'),
      SMO_SQLITE_SYNCHRONOUS: 'normal',
      SMO_LEASE_TTL: String(LEASE_TTL_SECONDS),
      SMO_SIMULATED_CLUSTERS: clustersFile,
      // An hour between syncs: only a fail-over that does not wait for the interval shows within the test.
      SMO_CLUSTER_SYNC_INTERVAL: '3600',
      SCALING_ENABLED: 'true',
      SCALING_INTERVAL: String(SCALING_INTERVAL_SECONDS),
      PROMETHEUS_HOST: await prometheus.start(),
    };
    const first = await startSmoProcess(env);
    instances.push(first);
    await eventually(async () => ((await health(first)).scaling?.lastRoundAt ? true : undefined), 30_000, "the first instance's first scaling round");
    const second = await startSmoProcess(env);
    instances.push(second);
    await eventually(async () => (await health(second)).processing.every((runner) => runner.state === 'standby') || undefined, 30_000, 'the second instance to stand by');
    return { first, second };
  };

  it('the survivor syncs the cluster inventory within about SMO_LEASE_TTL, not a sync interval (or three) later', async () => {
    const { first, second } = await startBoth();
    expect((await health(first)).clusterSync.clusters).toBe(2);
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    // One cluster left: only a sync after the kill, the survivor's, can see it.
    writeFileSync(clustersFile, 'clusters:\n  - name: cluster-a\n    cpu: 4\n    memory: 8Gi\n');

    const synced = await eventually(
      async () => {
        const sync = (await health(second)).clusterSync;
        return sync.lastSyncAt !== null && Date.parse(sync.lastSyncAt) >= killedAt ? sync : undefined;
      },
      30_000,
      'the survivor to sync',
    );
    const tookMs = Date.now() - killedAt;
    expect(synced.clusters).toBe(1);
    // The lease lapses at most one TTL after the kill; an instance standing by asks for it every tenth of the TTL.
    expect(tookMs).toBeLessThanOrEqual(LEASE_TTL_SECONDS * 1000 * 1.1 + 1_000);
  }, 90_000);

  it("the survivor scales on at the scaling interval: its first round comes an interval after the holder's last (not at once, not three intervals later)", async () => {
    const { first, second } = await startBoth();
    // Killed right after a round of its own.
    const before = (await health(first)).scaling!.lastRoundAt;
    const holderLast = await eventually(async () => {
      const last = (await health(first)).scaling!.lastRoundAt;
      return last !== before ? last : undefined;
    }, 30_000, 'a round of the first instance');
    await first.kill('SIGKILL');
    const killedAt = Date.now();

    const survivorFirst = await eventually(
      async () => {
        const last = (await health(second)).scaling?.lastRoundAt;
        return last && Date.parse(last) >= killedAt ? last : undefined;
      },
      30_000,
      'a round of the survivor',
    );
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThanOrEqual(SCALING_INTERVAL_SECONDS * 1000 + LEASE_TTL_SECONDS * 1000 * 1.1 + 1_000);
    // Rounds are no closer together for the fail-over (the one taken over read the same rates, and its replicas may not be projected yet).
    expect(Date.parse(survivorFirst) - Date.parse(holderLast!)).toBeGreaterThanOrEqual(SCALING_INTERVAL_SECONDS * 1000);
  }, 90_000);
});
