import { karmadaCluster, type KarmadaClusterInput } from '../fakes/kubernetes/fake-kube-api';
import { startRig, TWO_CLUSTERS, type OrchestratorRig } from '../support/orchestrator-rig';
import { sqliteStores } from '../support/stores';
import type { ClusterView } from '../../src/api/clusters.controller';


// A lost member re-placed onto the other one, pods up there, is tested against a real Karmada in
// test/karmada/replacement.lab.spec.ts. This fake stays for a cluster flipping state between two syncs,
// a cluster removed, and Karmada down or answering errors.
describe('cluster inventory from Karmada', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.stop());

  const clusters = async () => (await (await rig.request('GET', '/clusters/')).json()) as ClusterView[];
  const clusterEvents = async () => {
    const events = await rig.smo.runtime.eventStore.readAll({ filter: { streamCategories: ['cluster'] } });
    return events.map((e) => `${e.type}:${(e.data as { name: string }).name}`);
  };
  const sync = async () => {
    const response = await rig.request('POST', '/clusters/sync');
    expect(response.status).toBe(200);
    await rig.idle();
  };

  it('registers clusters, records only changes, and serves upstream’s shape at /clusters and /clusters/', async () => {
    await sync();
    const listed = await clusters();
    expect(listed.map((c) => c.name)).toEqual(['c1', 'c2']);
    expect(listed[0]).toMatchObject({ location: 'eu/a', available_cpu: 4, available_ram: '8.00 GiB', availability: true, acceleration: false, grafana: `${rig.grafana.url}/d/cluster__c1/c1` });
    expect(await (await rig.request('GET', '/clusters')).json()).toEqual(listed);
    expect(await clusterEvents()).toEqual(['ClusterRegistered:c1', 'ClusterRegistered:c2', 'ClusterDashboardPublished:c1', 'ClusterDashboardPublished:c2']);

    // Nothing changed: nothing recorded. A GET never changes state.
    await sync();
    await rig.request('GET', '/clusters/');
    expect(await clusterEvents()).toHaveLength(4);

    // Capacity change, with a GPU discovered from the resource summary.
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '4', allocatedCpu: '1500m', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0', gpu: 2, region: 'eu', zone: 'b' }),
    ]);
    await sync();
    const changed = await clusters();
    expect(changed.map((c) => [c.name, c.available_cpu, c.acceleration, c.capacity.gpu.available])).toEqual([
      ['c1', 2.5, false, 0],
      ['c2', 6, true, 2],
    ]);
    expect((await clusterEvents()).slice(4)).toEqual(['ClusterCapacityObserved:c1', 'ClusterCapacityObserved:c2']);
  });

  it('follows Ready → NotReady → Ready and a removal', async () => {
    await sync();
    const [c1, c2] = TWO_CLUSTERS as [KarmadaClusterInput, KarmadaClusterInput];
    rig.kube.setClusters([karmadaCluster({ ...c1, ready: false }), karmadaCluster(c2)]);
    await sync();
    expect((await clusters()).find((c) => c.name === 'c1')?.availability).toBe(false);
    rig.kube.setClusters([karmadaCluster(c1), karmadaCluster(c2)]);
    await sync();
    expect((await clusters()).find((c) => c.name === 'c1')?.availability).toBe(true);
    rig.kube.setClusters([karmadaCluster(c1)]);
    await sync();
    expect((await clusters()).map((c) => c.name)).toEqual(['c1']);
    const events = await clusterEvents();
    expect(events.filter((e) => !e.startsWith('ClusterDashboard') && !e.startsWith('ClusterRegistered'))).toEqual([
      'ClusterUnavailable:c1',
      'ClusterRecovered:c1',
      'ClusterRemoved:c2',
    ]);
  });

  it("deletes a removed cluster's Grafana dashboard (they piled up as clusters came and went), and publishes it again when it comes back", async () => {
    await sync();
    const [c1, c2] = TWO_CLUSTERS as [KarmadaClusterInput, KarmadaClusterInput];
    const dashboardOf = (name: string) => [...rig.grafana.dashboards().values()].find((d) => d.title === name);
    expect(dashboardOf('c2')).toBeDefined();
    rig.kube.setClusters([karmadaCluster(c1)]);
    await sync();
    expect(dashboardOf('c2')).toBeUndefined();
    expect(dashboardOf('c1')).toBeDefined();
    rig.kube.setClusters([karmadaCluster(c1), karmadaCluster(c2)]);
    await sync();
    expect(dashboardOf('c2')).toBeDefined();
    expect((await clusters()).find((c) => c.name === 'c2')?.grafana).toBe(`${rig.grafana.url}/d/cluster__c2/c2`);
    expect((await clusterEvents()).filter((e) => e.endsWith(':c2'))).toEqual([
      'ClusterRegistered:c2',
      'ClusterDashboardPublished:c2',
      'ClusterRemoved:c2',
      'ClusterDashboardRemoved:c2',
      'ClusterRegistered:c2',
      'ClusterDashboardPublished:c2',
    ]);
  });

  it('keeps running when Karmada is down, reports it, and answers POST /clusters/sync with 502', async () => {
    rig.kube.down();
    const failed = await rig.request('POST', '/clusters/sync');
    expect(failed.status).toBe(502);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    const health = (await (await rig.request('GET', '/health')).json()) as { status: string; clusterSync: { consecutiveFailures: number; lastError: string } };
    expect(health.status).toBe('degraded');
    expect(health.clusterSync.consecutiveFailures).toBeGreaterThan(0);
    rig.kube.up();
    await sync();
    expect((await (await rig.request('GET', '/health')).json()) as object).toMatchObject({ status: 'ok' });
  });

  it('answers POST /clusters/sync with 503 and Retry-After, not 500, when a read model does not catch up (its instance died holding the lease)', async () => {
    await sync();
    // Another instance ran the clusters projection and died holding its lease: nobody folds what the sync records.
    await rig.restart(async (dataDir) => {
      const stores = sqliteStores({ dir: dataDir });
      expect(await stores.readStore.acquireLease('projection:clusters', 'instance-that-died', 10 * 60_000)).toBe(true);
      await stores.dispose(false);
    });
    rig.kube.setClusters([...TWO_CLUSTERS, { name: 'c3', cpu: '4', memory: '8Gi' }].map((c) => karmadaCluster(c)));
    const lagging = await rig.request('POST', '/clusters/sync');
    expect({ status: lagging.status, type: lagging.headers.get('content-type'), retryAfter: lagging.headers.get('retry-after'), body: await lagging.json() }).toEqual({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
      retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
      body: expect.objectContaining({ status: 503, detail: expect.stringContaining('clusters') }),
    });
    // What the sync recorded stays recorded.
    expect(await clusterEvents()).toContain('ClusterRegistered:c3');
  }, 30_000);

  it('starts while Karmada is down at start-up, and catches up when it comes back', async () => {
    await rig.stop();
    rig = await startRig({ karmadaDown: true, env: { SMO_CLUSTER_SYNC_INTERVAL: '1' } });
    const health = (await (await rig.request('GET', '/health')).json()) as { status: string };
    expect(['ok', 'degraded']).toContain(health.status);
    expect(await clusters()).toEqual([]);
    rig.kube.up();
    const deadline = Date.now() + 15_000;
    while ((await clusters()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await clusters()).map((c) => c.name)).toEqual(['c1', 'c2']);
  });
});
