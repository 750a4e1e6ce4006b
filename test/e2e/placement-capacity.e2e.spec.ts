import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import type { GraphView as View } from '../../src/api/graphs/graph-view';
import type { ClusterView } from '../../src/api/clusters.controller';

/** The Brussels demo (2.5 cores, 2.5 GiB over three services) under another graph id. */
const demo = (graphId: string) => descriptorText().replace('id: image-detection-graph', `id: ${graphId}`);
const DEMOS = ['brussels-1', 'brussels-2', 'brussels-3', 'brussels-4'];
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Per service of the demo (see config/simulated-clusters.yaml). */
const DEMAND: Record<string, { cpu: number; memory: number }> = {
  'image-compression-vo': { cpu: 0.5, memory: 500 * MiB },
  'noise-reduction': { cpu: 1, memory: GiB },
  'image-detection': { cpu: 1, memory: GiB },
};
const DEMO_MEMORY = 500 * MiB + 2 * GiB;

/** Issue 15, item 2: SMO must not place on capacity it has already given away. */
describe('placement counts what SMO already placed', () => {
  /** Deploys the four demos in four projects at once; answers the CPU and memory placed per cluster, from the graphs' placements. */
  async function deployFour(url: string): Promise<Record<string, { cpu: number; memory: number }>> {
    // The placement processor sees them one after the other, each time with the previous ones placed.
    const responses = await Promise.all(
      DEMOS.map((id, i) =>
        fetch(`${url}/project/tenant-${i}/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: demo(id) }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const placed: Record<string, { cpu: number; memory: number }> = {};
    for (const id of DEMOS) {
      const view = (await (await fetch(`${url}/graphs/${id}`)).json()) as View;
      for (const [service, cluster] of Object.entries(view.placement ?? {})) {
        const sum = (placed[cluster] ??= { cpu: 0, memory: 0 });
        sum.cpu += DEMAND[service]!.cpu;
        sum.memory += DEMAND[service]!.memory;
      }
    }
    return placed;
  }
  const clusters = async (url: string) =>
    Object.fromEntries(((await (await fetch(`${url}/clusters/`)).json()) as ClusterView[]).map((c) => [c.name, { cpu: c.available_cpu, memory: c.capacity.memoryBytes.available }]));
  const placedLoad = async (url: string) => {
    const series = (await (await fetch(`${url}/analytics/cluster-load`)).json()) as Record<string, Array<{ cpu: number }>>;
    return Object.fromEntries(Object.entries(series).map(([cluster, points]) => [cluster, points.at(-1)!.cpu]));
  };

  describe('embedded mode: the simulated inventory subtracts what SMO placed', () => {
    let smo: RunningApp;
    beforeEach(async () => (smo = await startApp({ SMO_DEPLOY_WAIT: '20' })));
    afterEach(async () => smo.close());

    it('four renamed Brussels demos do not all land on the 4-CPU cluster-a; /clusters/ shows what is left', async () => {
      const placed = await deployFour(smo.url);
      expect(placed['cluster-a']!.cpu).toBeLessThanOrEqual(4);
      expect(placed['cluster-b']!.cpu).toBeLessThanOrEqual(8);
      expect((await placedLoad(smo.url))['cluster-a']).toBeLessThanOrEqual(4);
      const expected = {
        'cluster-a': { cpu: 4 - placed['cluster-a']!.cpu, memory: 8 * GiB - placed['cluster-a']!.memory },
        'cluster-b': { cpu: 8 - placed['cluster-b']!.cpu, memory: 16 * GiB - placed['cluster-b']!.memory },
      };
      expect(await clusters(smo.url)).toEqual(expected);
      // After a sync the simulated inventory itself reports the allocation; nothing is counted twice.
      expect((await fetch(`${smo.url}/clusters/sync`, { method: 'POST' })).status).toBe(200);
      expect(await clusters(smo.url)).toEqual(expected);
      // Removing a graph gives its share back at the next sync.
      const views = await Promise.all(DEMOS.map(async (id) => (await (await fetch(`${smo.url}/graphs/${id}`)).json()) as View));
      const removed = views.find((view) => Object.values(view.placement ?? {}).includes('cluster-a'))!;
      const share = Object.entries(removed.placement ?? {}).filter(([, cluster]) => cluster === 'cluster-a');
      expect((await fetch(`${smo.url}/graphs/${removed.name}`, { method: 'DELETE' })).status).toBe(200);
      await smo.runtime.processing.whenIdle();
      await fetch(`${smo.url}/clusters/sync`, { method: 'POST' });
      expect((await clusters(smo.url))['cluster-a']).toEqual({
        cpu: expected['cluster-a'].cpu + share.reduce((sum, [service]) => sum + DEMAND[service]!.cpu, 0),
        memory: expected['cluster-a'].memory + share.reduce((sum, [service]) => sum + DEMAND[service]!.memory, 0),
      });
    }, 90_000);

    it('a placement ledger still behind after 10 s: the simulated observation fails rather than show capacity SMO gave away (503 and Retry-After, not 502)', async () => {
      await smo.runtime.processing.stop();
      // Recorded while nothing folds it into the ledger.
      const deploy = await fetch(`${smo.url}/project/late/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml', prefer: 'respond-async' }, body: demo('late-graph') });
      expect(deploy.status).toBe(202);
      const sync = await fetch(`${smo.url}/clusters/sync`, { method: 'POST' });
      expect({ status: sync.status, retryAfter: sync.headers.get('retry-after'), body: await sync.json() }).toEqual({
        status: 503,
        retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
        body: expect.objectContaining({ detail: expect.stringContaining('placement-ledger read model') }),
      });
      // The sync itself failed (it retries with backoff), as when Karmada cannot be read.
      const health = (await (await fetch(`${smo.url}/health`)).json()) as { clusterSync: { lastError: string | null; consecutiveFailures: number } };
      expect(health.clusterSync).toMatchObject({ lastError: expect.stringContaining('placement-ledger'), consecutiveFailures: expect.any(Number) });
      expect(health.clusterSync.consecutiveFailures).toBeGreaterThan(0);
    }, 60_000);
  });

  describe('real mode: a ledger of SMO’s placements that Karmada’s allocated figures do not show yet', () => {
    let rig: OrchestratorRig;
    afterEach(async () => rig.stop());
    const CLUSTERS = [
      { name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' },
      { name: 'c2', cpu: '16', memory: '32Gi', allocatedCpu: '0', allocatedMemory: '0' },
    ];

    it('with Karmada’s allocated held constant, four demos spread and /clusters/ shows the reduced availability', async () => {
      rig = await startRig({ clusters: CLUSTERS });
      const placed = await deployFour(rig.smo.url);
      expect(placed.c1!.cpu).toBeLessThanOrEqual(4);
      expect((await placedLoad(rig.smo.url)).c1).toBeLessThanOrEqual(4);
      expect(await clusters(rig.smo.url)).toEqual({
        c1: { cpu: 4 - placed.c1!.cpu, memory: 8 * GiB - placed.c1!.memory },
        c2: { cpu: 16 - placed.c2!.cpu, memory: 32 * GiB - placed.c2!.memory },
      });
      // Karmada catches up with c1 (its allocation changes): the placement there is no longer counted on top.
      rig.kube.setClusters([{ ...CLUSTERS[0]!, allocatedCpu: `${placed.c1!.cpu * 1000}m`, allocatedMemory: String(placed.c1!.memory) }, CLUSTERS[1]!].map((c) => karmada(c)));
      expect((await rig.request('POST', '/clusters/sync')).status).toBe(200);
      expect((await clusters(rig.smo.url)).c1).toEqual({ cpu: 4 - placed.c1!.cpu, memory: 8 * GiB - placed.c1!.memory });
    }, 90_000);

    it('a placement Karmada never shows stops counting after SMO_PLACEMENT_LEDGER_TTL', async () => {
      rig = await startRig({ clusters: CLUSTERS, env: { SMO_PLACEMENT_LEDGER_TTL: '2' } });
      expect((await rig.request('POST', '/project/demo/graphs', { body: demo('only'), contentType: 'application/x-yaml' })).status).toBe(200);
      expect((await clusters(rig.smo.url)).c1).toEqual({ cpu: 1.5, memory: 8 * GiB - DEMO_MEMORY });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await clusters(rig.smo.url)).c1).toEqual({ cpu: 4, memory: 8 * GiB });
    }, 60_000);

    it('a highAvailability graph’s copies count against every cluster of their set: a second demo does not fit in what is left', async () => {
      // Each service runs a full copy on both clusters: 2.5 cores on each of two 3-core clusters.
      const three = (name: string) => ({ name, cpu: '3', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' });
      rig = await startRig({ clusters: [three('c1'), three('c2')] });
      const highlyAvailable = demo('ha-graph').replace(/(highAvailability:\n\s+enabled: )False/, '$1True');
      expect(highlyAvailable).not.toEqual(demo('ha-graph'));
      expect((await rig.request('POST', '/project/a/graphs', { body: highlyAvailable, contentType: 'application/yaml' })).status).toBe(200);
      await rig.idle();
      const ha = (await (await rig.request('GET', '/graphs/ha-graph')).json()) as View;
      expect(ha.placementFailure ?? null).toBeNull();
      expect(Object.fromEntries(Object.entries(await clusters(rig.smo.url)).map(([name, { cpu }]) => [name, cpu]))).toEqual({ c1: 0.5, c2: 0.5 });
      // A plain demo (2.5 cores) cannot fit in the 0.5 core left on each: it is recorded, not placed (422).
      expect((await rig.request('POST', '/project/b/graphs', { body: demo('plain-graph'), contentType: 'application/yaml' })).status).toBe(422);
      await rig.idle();
      const load: Record<string, number> = { c1: 0, c2: 0 };
      for (const graphId of ['ha-graph', 'plain-graph']) {
        const decisions = (await (await rig.request('GET', `/graphs/${graphId}/placements`)).json()) as Array<{ placement: Record<string, string> | null; clusterSets?: Record<string, string[]> }>;
        const last = decisions.find((d) => d.placement);
        for (const [service, cluster] of Object.entries(last?.placement ?? {})) for (const on of last?.clusterSets?.[service] ?? [cluster]) load[on]! += DEMAND[service]!.cpu;
      }
      const plain = (await (await rig.request('GET', '/graphs/plain-graph')).json()) as View;
      expect({ load, plainPlacement: plain.placement ?? null }).toEqual({ load: { c1: 2.5, c2: 2.5 }, plainPlacement: null });
    }, 60_000);
  });
});

import { karmadaCluster as karmada } from '../fakes/kubernetes/fake-kube-api';

describe('a graph whose first placement failed, retried', () => {
  it('is placed again by POST /graphs/{g}/retry (capacity added meanwhile), as the deploy, start and retry refusals say', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-retry-placement-'));
    const clustersFile = join(dir, 'clusters.yaml');
    writeFileSync(clustersFile, 'clusters:\n  - name: tiny\n    cpu: 0.2\n    memory: 8Gi\n');
    const smo = await startApp({ SMO_SIMULATED_CLUSTERS: clustersFile, SMO_DEPLOY_WAIT: '20' });
    const view = async () => (await (await fetch(`${smo.url}/graphs/late-graph`)).json()) as View;
    const detail = async (response: Response) => ({ status: response.status, detail: ((await response.json()) as { detail: string }).detail });
    try {
      const deploy = await fetch(`${smo.url}/project/late/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: demo('late-graph') });
      expect(await detail(deploy)).toEqual({ status: 422, detail: expect.stringMatching(/^Graph late-graph was recorded but could not be placed: .+ \(POST \/graphs\/late-graph\/retry places it again\)$/) });
      expect(await detail(await fetch(`${smo.url}/graphs/late-graph/start`, { method: 'POST' }))).toEqual({
        status: 409,
        detail: 'Graph with name late-graph is already running; its placement failed, and POST /graphs/late-graph/retry places it again',
      });
      // Retried with no more room: placed again, and refused again as the deploy was (the answer comes once the placement is decided).
      expect(await detail(await fetch(`${smo.url}/graphs/late-graph/retry`, { method: 'POST' }))).toEqual({
        status: 422,
        detail: expect.stringMatching(/^Graph late-graph was recorded but could not be placed: .+ \(POST \/graphs\/late-graph\/retry places it again\)$/),
      });
      expect({ placement: (await view()).placement, failed: (await view()).placementFailure !== null }).toEqual({ placement: null, failed: true });

      // The cluster grows (a cluster that joins or comes back would place the graph by itself: below).
      writeFileSync(clustersFile, 'clusters:\n  - name: tiny\n    cpu: 8\n    memory: 8Gi\n');
      expect((await fetch(`${smo.url}/clusters/sync`, { method: 'POST' })).status).toBe(200);
      const retried = await fetch(`${smo.url}/graphs/late-graph/retry`, { method: 'POST' });
      expect([retried.status, await retried.text()]).toEqual([200, 'Retry requested: placing graph late-graph again\n']);
      await smo.runtime.processing.whenIdle();
      const placed = await view();
      expect({ placement: placed.placement, statuses: placed.services.map((service) => service.status).sort(), placementFailure: placed.placementFailure }).toEqual({
        placement: { 'image-compression-vo': 'tiny', 'noise-reduction': 'tiny', 'image-detection': 'tiny' },
        statuses: ['Deployed', 'Deployed', 'Pending'],
        placementFailure: null,
      });
      const reasons = ((await (await fetch(`${smo.url}/graphs/late-graph/placements`)).json()) as Array<{ reason: string; feasible: boolean }>).map((d) => [d.reason, d.feasible]);
      expect(reasons).toEqual([
        ['first-deploy', false],
        ['retry', false],
        ['retry', true],
      ]);
      // Placed, nothing is left to retry.
      expect((await detail(await fetch(`${smo.url}/graphs/late-graph/retry`, { method: 'POST' }))).status).toBe(409);
    } finally {
      await smo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a graph whose first placement failed, stopped and started again', () => {
  it('is placed again when started (capacity added meanwhile), rather than show its services Deploying for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-restart-placement-'));
    const clustersFile = join(dir, 'clusters.yaml');
    writeFileSync(clustersFile, 'clusters:\n  - name: tiny\n    cpu: 0.2\n    memory: 8Gi\n');
    const smo = await startApp({ SMO_SIMULATED_CLUSTERS: clustersFile, SMO_DEPLOY_WAIT: '20' });
    const view = async () => (await (await fetch(`${smo.url}/graphs/late-graph`)).json()) as View;
    try {
      await fetch(`${smo.url}/project/late/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: demo('late-graph') });
      await smo.runtime.processing.whenIdle();
      expect((await view()).placement).toBeNull();
      // The cluster grows (a cluster that joined would place the graph by itself, before the start).
      writeFileSync(clustersFile, 'clusters:\n  - name: tiny\n    cpu: 8\n    memory: 16Gi\n');
      expect((await fetch(`${smo.url}/clusters/sync`, { method: 'POST' })).status).toBe(200);
      for (const action of ['stop', 'start']) expect((await fetch(`${smo.url}/graphs/late-graph/${action}`, { method: 'POST' })).status).toBe(200);
      // The start answered 200 once the graph settled: on its new placement, not on the old failure (no wait here).
      const started = await view();
      expect({ placement: started.placement, statuses: started.services.map((service) => service.status).sort() }).toEqual({
        placement: { 'image-compression-vo': 'tiny', 'noise-reduction': 'tiny', 'image-detection': 'tiny' },
        statuses: ['Deployed', 'Deployed', 'Pending'],
      });
      expect({ settled: started.settled, placementFailure: started.placementFailure }).toEqual({ settled: true, placementFailure: null });
    } finally {
      await smo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** An embedded SMO on a simulated clusters file the test rewrites, and the calls the tests below make of it. */
interface SimulatedSmo {
  app: RunningApp;
  setClusters(yaml: string): void;
  post(path: string, yaml?: string): Promise<Response>;
  view(graph: string): Promise<View>;
}

async function withSimulatedClusters(clusters: string, run: (smo: SimulatedSmo) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'smo-simulated-clusters-'));
  const clustersFile = join(dir, 'clusters.yaml');
  writeFileSync(clustersFile, clusters);
  const app = await startApp({ SMO_SIMULATED_CLUSTERS: clustersFile, SMO_DEPLOY_WAIT: '20' });
  try {
    await run({
      app,
      setClusters: (yaml) => writeFileSync(clustersFile, yaml),
      post: (path, yaml) => fetch(`${app.url}${path}`, { method: 'POST', ...(yaml && { headers: { 'content-type': 'application/yaml' }, body: yaml }) }),
      view: async (graph) => (await (await fetch(`${app.url}/graphs/${graph}`)).json()) as View,
    });
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The clusters file of the tests below: each cluster with its cores and 8 GiB, and any more fields it is given. */
const clustersYaml = (...clusters: Array<[name: string, cpu: number, more?: string]>) =>
  `clusters:\n${clusters.map(([name, cpu, more = '']) => `  - name: ${name}\n    cpu: ${cpu}\n    memory: 8Gi\n${more}`).join('')}`;

describe('a stopped graph started again', () => {
  const detail = async (response: Response) => ({ status: response.status, detail: ((await response.json()) as { detail: string }).detail });

  it('is not started where another graph took its capacity while it was stopped: placed anew, or refused as a deploy is (422)', async () => {
    // Room for one demo (2.5 cores), not two.
    await withSimulatedClusters(clustersYaml(['only', 3]), async ({ app, post, view }) => {
      expect((await post('/project/a/graphs', demo('first-graph'))).status).toBe(200);
      expect((await post('/graphs/first-graph/stop')).status).toBe(200);
      expect((await post('/clusters/sync')).status).toBe(200);
      // The stop gave the cluster back: the second graph takes it.
      expect((await post('/project/b/graphs', demo('second-graph'))).status).toBe(200);
      expect((await view('second-graph')).placement).toMatchObject({ 'noise-reduction': 'only' });

      // Started where it was, both would run on 3 cores: it is placed anew, and there is no room.
      expect(await detail(await post('/graphs/first-graph/start'))).toEqual({
        status: 422,
        detail: expect.stringMatching(/^Graph first-graph was recorded but could not be placed: .+ \(POST \/graphs\/first-graph\/retry places it again\)$/),
      });
      await app.runtime.processing.whenIdle();
      const first = await view('first-graph');
      expect({ status: first.status, placement: first.placement, statuses: first.services.map((s) => s.status).sort() }).toEqual({
        status: 'Running',
        placement: null,
        statuses: ['Not deployed', 'Not deployed', 'Not deployed'],
      });
      const load = (await (await fetch(`${app.url}/analytics/cluster-load`)).json()) as Record<string, Array<{ cpu: number }>>;
      expect(load['only']!.at(-1)!.cpu).toBeLessThanOrEqual(3);
      const reasons = ((await (await fetch(`${app.url}/graphs/first-graph/placements`)).json()) as Array<{ reason: string; feasible: boolean }>).map((d) => [d.reason, d.feasible]);
      expect(reasons).toEqual([
        ['first-deploy', true],
        ['start', false],
      ]);

      // The other graph removed, a retry places it where it was.
      expect((await fetch(`${app.url}/graphs/second-graph`, { method: 'DELETE' })).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect((await post('/clusters/sync')).status).toBe(200);
      expect((await post('/graphs/first-graph/retry')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect((await view('first-graph')).services.map((s) => s.status).sort()).toEqual(['Deployed', 'Deployed', 'Pending']);
    });
  }, 60_000);

  it('is placed anew where there is room, and deployed there, when another graph took its cluster while it was stopped', async () => {
    await withSimulatedClusters(clustersYaml(['only', 3]), async ({ setClusters, post, view }) => {
      expect((await post('/project/a/graphs', demo('first-graph'))).status).toBe(200);
      expect((await post('/graphs/first-graph/stop')).status).toBe(200);
      expect((await post('/clusters/sync')).status).toBe(200);
      expect((await post('/project/b/graphs', demo('second-graph'))).status).toBe(200);
      // A second cluster joins: the start places the graph there.
      setClusters(clustersYaml(['only', 3], ['other', 3]));
      expect((await post('/clusters/sync')).status).toBe(200);
      const started = await post('/graphs/first-graph/start');
      expect([started.status, await started.text()]).toEqual([200, 'Graph started: placed anew, as its placement no longer fits (capacity taken while it was stopped)\n']);
      const first = await view('first-graph');
      expect({ placement: first.placement, statuses: first.services.map((s) => s.status).sort() }).toEqual({
        placement: { 'image-compression-vo': 'other', 'noise-reduction': 'other', 'image-detection': 'other' },
        statuses: ['Deployed', 'Deployed', 'Pending'],
      });
    });
  }, 60_000);

  it('stopped and started between two observations of the cluster, is counted once: it starts where it was and re-places onto itself', async () => {
    await withSimulatedClusters(clustersYaml(['only', 3]), async ({ app, post, view }) => {
      const available = async () => ((await (await fetch(`${app.url}/clusters/`)).json()) as ClusterView[]).find((c) => c.name === 'only')!.available_cpu;
      expect((await post('/project/a/graphs', demo('steady-graph'))).status).toBe(200);
      // The inventory observes the graph's allocation; then stop and start with no observation in between.
      expect((await post('/clusters/sync')).status).toBe(200);
      expect(await available()).toBe(0.5);
      for (let round = 0; round < 2; round++) {
        expect((await post('/graphs/steady-graph/stop')).status).toBe(200);
        const started = await post('/graphs/steady-graph/start');
        expect([started.status, await started.text()]).toEqual([200, 'Graph started\n']);
      }
      // The allocation the inventory last observed shows it already: the ledger does not count it a second time.
      expect(await available()).toBe(0.5);
      expect((await post('/graphs/steady-graph/placement')).status).toBe(200);
      const steady = await view('steady-graph');
      expect({ placement: steady.placement, failure: steady.placementFailure }).toEqual({
        placement: { 'image-compression-vo': 'only', 'noise-reduction': 'only', 'image-detection': 'only' },
        failure: null,
      });
    });
  }, 60_000);
});

describe('a graph a failed re-placement left where it was', () => {
  it('is placed again by POST /graphs/{g}/retry once there is room (it had answered "Nothing to retry")', async () => {
    await withSimulatedClusters(clustersYaml(['first', 3]), async ({ app, setClusters, post, view }) => {
      expect((await post('/project/moved/graphs', demo('moved-graph'))).status).toBe(200);
      // Its cluster goes, and the one left has no room: the re-placement fails, and the graph stays where it was.
      setClusters(clustersYaml(['small', 0.2]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      const failed = await view('moved-graph');
      expect({ placement: failed.placement?.['noise-reduction'], failed: failed.placementFailure !== null }).toEqual({ placement: 'first', failed: true });
      const again = await post('/graphs/moved-graph/retry');
      expect([again.status, ((await again.json()) as { detail: string }).detail]).toEqual([422, expect.stringContaining('(POST /graphs/moved-graph/retry places it again)')]);

      setClusters(clustersYaml(['small', 8]));
      expect((await post('/clusters/sync')).status).toBe(200);
      const retried = await post('/graphs/moved-graph/retry');
      expect([retried.status, await retried.text()]).toEqual([200, 'Retry requested: placing graph moved-graph again\n']);
      await app.runtime.processing.whenIdle();
      const placed = await view('moved-graph');
      expect({ placement: placed.placement?.['noise-reduction'], placementFailure: placed.placementFailure }).toEqual({ placement: 'small', placementFailure: null });
      expect((await post('/graphs/moved-graph/retry')).status).toBe(409);
    });
  }, 60_000);
});

describe('a graph whose placement failed, when a cluster joins or comes back', () => {
  it('is placed again by itself: on a cluster that comes back, then (failed again) on one that joins', async () => {
    // Room for one demo (2.5 cores) on each cluster.
    await withSimulatedClusters(clustersYaml(['first', 2.5]), async ({ app, setClusters, post, view }) => {
      const placementOf = async (graph: string) => {
        const { placement, placementFailure } = await view(graph);
        return { on: [...new Set(Object.values(placement ?? {}))].sort(), failed: placementFailure !== null };
      };
      const reasons = async (graph: string) =>
        ((await (await fetch(`${app.url}/graphs/${graph}/placements`)).json()) as Array<{ reason: string; feasible: boolean }>).map((d) => `${d.reason}:${d.feasible}`);
      expect((await post('/project/a/graphs', demo('waits-a'))).status).toBe(200);
      setClusters(clustersYaml(['first', 2.5], ['spare', 2.5]));
      expect((await post('/clusters/sync')).status).toBe(200);
      expect((await post('/project/b/graphs', demo('waits-b'))).status).toBe(200);
      expect([await placementOf('waits-a'), await placementOf('waits-b')]).toEqual([
        { on: ['first'], failed: false },
        { on: ['spare'], failed: false },
      ]);
      // first is lost, and spare has no room for a second demo: waits-a's re-placement fails, and it stays where it was.
      setClusters(clustersYaml(['first', 2.5, '    available: false\n'], ['spare', 2.5]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect(await placementOf('waits-a')).toEqual({ on: ['first'], failed: true });

      // first comes back: waits-a is placed again with no retry asked (onto first, where there is room again).
      setClusters(clustersYaml(['first', 2.5], ['spare', 2.5]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect(await placementOf('waits-a')).toEqual({ on: ['first'], failed: false });
      expect(await reasons('waits-a')).toEqual(['first-deploy:true', 'cluster-lost:false', 'retry:true']);
      // A graph whose placement did not fail is not asked anything.
      expect(await reasons('waits-b')).toEqual(['first-deploy:true']);

      // first is removed (a removal is a loss too), so waits-a fails again; a new cluster joins: it is placed there.
      setClusters(clustersYaml(['spare', 2.5]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect(await placementOf('waits-a')).toEqual({ on: ['first'], failed: true });
      setClusters(clustersYaml(['spare', 2.5], ['joined', 2.5]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect(await placementOf('waits-a')).toEqual({ on: ['joined'], failed: false });
      expect((await view('waits-a')).services.map((service) => service.status).sort()).toEqual(['Deployed', 'Deployed', 'Pending']);
      expect((await reasons('waits-a')).slice(3)).toEqual(['cluster-removed:false', 'retry:true']);
    });
  }, 60_000);
});

describe('a cordoned cluster', () => {
  it('takes no new placement and keeps what runs there; lost (not Ready), what ran there is placed elsewhere', async () => {
    await withSimulatedClusters(clustersYaml(['first', 8], ['second', 8]), async ({ app, setClusters, post, view }) => {
      const clustersOf = async (graph: string) => [...new Set(Object.values((await view(graph)).placement ?? {}))].sort();
      const clusterEvents = async () =>
        (await app.runtime.eventStore.readAll({ filter: { eventTypes: ['ClusterUnavailable', 'ClusterRecovered'] } })).map((e) => [e.type, (e.data as { lost?: boolean }).lost ?? null]);
      expect((await post('/project/a/graphs', demo('cordon-a'))).status).toBe(200);
      expect(await clustersOf('cordon-a')).toEqual(['first']);
      setClusters(clustersYaml(['first', 8, '    cordoned: true\n'], ['second', 8]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      // What runs there stays; a new graph goes elsewhere.
      expect(await clustersOf('cordon-a')).toEqual(['first']);
      expect((await post('/project/b/graphs', demo('cordon-b'))).status).toBe(200);
      expect(await clustersOf('cordon-b')).toEqual(['second']);
      // Cordoned, then lost: what ran there is placed elsewhere now.
      setClusters(clustersYaml(['first', 8, '    cordoned: true\n    available: false\n'], ['second', 8]));
      expect((await post('/clusters/sync')).status).toBe(200);
      await app.runtime.processing.whenIdle();
      expect(await clustersOf('cordon-a')).toEqual(['second']);
      expect(await clusterEvents()).toEqual([
        ['ClusterUnavailable', false],
        ['ClusterUnavailable', true],
      ]);
    });
  }, 60_000);
});
