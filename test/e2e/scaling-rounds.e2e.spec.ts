import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { graphUseCaseOf } from '../../src/app/cqrs';
import type { CommandContext } from '../../src/application/command-handler';
import type { GraphCommand } from '../../src/domain/graph/commands';
import { getSolver } from '../../src/optimizer';
import type { Solver } from '../../src/optimizer/solver';
import { failedResult } from '../../src/optimizer/solvers/solution';
import type { RateSelector } from '../../src/integrations/prometheus/promql';
import { DurableProcessing } from '../../src/app/processing.composition';
import { KubeApiTimeoutError } from '../../src/integrations/kubernetes/kube-errors';
import { JobLease } from '../../src/processing/job-lease';
import { PROMETHEUS_QUERIES_AT_ONCE } from '../../src/integrations/prometheus/prometheus-client';
import { ScalingScheduler, type ScalingStatus } from '../../src/processors/scaling.scheduler';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { settlesWithin } from '../support/smo-process';
import { silentLogger } from '../support/stores';

const GRAPH = 'image-detection-graph';

/**
 * Scaling rounds driven one at a time over the embedded SMO (the real commands, store and solver);
 * only the two process boundaries are stand-ins: request rates (Prometheus) and the scale call (Karmada).
 */
describe('scaling rounds', () => {
  let smo: RunningApp;
  /** Requests per second by service; null: Prometheus has no series for it; absent: 0. */
  const rates: Record<string, number | null> = {};
  const rateQueries: RateSelector[] = [];
  const scaleCalls: Array<{ name: string; namespace: string; replicas: number }> = [];
  /** The process dies right after the round's first command was recorded. */
  let dieAfterFirstCommand = false;
  /** Commands for this graph are refused (as for a graph removed mid-round). */
  let refusedGraph: string | null = null;
  /** Runs in the round's first scale call, before it answers. */
  let duringScale: (() => Promise<void>) | null = null;

  beforeEach(async () => {
    smo = await startApp({ SMO_DEPLOY_WAIT: '20' });
    for (const key of Object.keys(rates)) delete rates[key];
    scaleCalls.length = 0;
    rateQueries.length = 0;
    readsInFlight.most = 0;
    dieAfterFirstCommand = false;
    refusedGraph = null;
    duringScale = null;
    solver = null;
    prometheus = 'up';
    karmada = 'up';
    for (const key of Object.keys(live)) delete live[key];
    const deploy = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deploy.status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
  });
  afterEach(async () => smo.close());

  /** Prometheus: 'down' answers each read as a timeout at once; 'hung' never answers (until the read is given up); 'slow' answers after 20 ms. */
  let prometheus: 'up' | 'down' | 'hung' | 'invalid' | 'slow' = 'up';
  /** Request-rate reads under way, and the most at once. */
  const readsInFlight = { now: 0, most: 0 };
  /** Karmada: 'down' answers each scale call as a timeout at once. */
  let karmada: 'up' | 'down' = 'up';
  /** The replicas each Deployment wants, by service; absent: not known (simulated Karmada). */
  const live: Record<string, number> = {};
  /** Stands in for the solver (getSolver by default). */
  let solver: (() => Promise<Solver>) | null = null;

  function scheduler(intervalSeconds = 30): ScalingScheduler {
    const bus = smo.app.get(CommandBus);
    return new ScalingScheduler({
      readStore: smo.runtime.readStore,
      rates: {
        requestRate: async (selector, _window, _metric, signal) => {
          rateQueries.push(selector);
          readsInFlight.now++;
          readsInFlight.most = Math.max(readsInFlight.most, readsInFlight.now);
          try {
            if (prometheus === 'down') return { ok: false, kind: 'timeout', error: 'no answer within 5000 ms', status: null };
            if (prometheus === 'invalid') return { ok: false, kind: 'invalid', error: 'not a Prometheus success envelope', status: 200 };
            if (prometheus === 'hung') return await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
            if (prometheus === 'slow') await new Promise((resolve) => setTimeout(resolve, 20));
            const rate = rates[selector.service];
            return { ok: true, rate: rate === undefined ? 0 : rate };
          } finally {
            readsInFlight.now--;
          }
        },
      },
      scaler: {
        mode: 'simulated',
        scale: async (name, namespace, replicas) => {
          scaleCalls.push({ name, namespace, replicas });
          const during = duringScale;
          duringScale = null;
          await during?.();
          if (karmada === 'down') throw new KubeApiTimeoutError(`scale deployment ${namespace}/${name} to ${replicas}`, 10_000);
        },
      },
      replicas: { replicas: async (_graph, ids) => ({ replicas: new Map(ids.map((id) => [id, live[id] ?? null])), unanswered: null }) },
      dispatch: async (command: GraphCommand, context: CommandContext) => {
        const graphId = 'data' in command ? command.data.graphId : command.event.data.graphId;
        if (graphId === refusedGraph) throw new Error(`Graph with name ${graphId} not found`);
        const result = await bus.execute(graphUseCaseOf(command, context));
        if (dieAfterFirstCommand) throw new Error('the process died here');
        return result;
      },
      graphs: smo.runtime.graphs,
      solver: () => (solver ? solver() : getSolver()),
      logger: silentLogger,
      metrics: smo.runtime.metrics.domain,
      intervalSeconds,
      metric: 'flask_http_request_total',
      namespaceLabel: 'namespace',
      owner: 'test',
      leaseTtlMs: 30_000,
      inventoryShowsPlacements: true, // the embedded, simulated inventory
    });
  }
  const events = (type: string) => smo.runtime.eventStore.readAll({ filter: { eventTypes: [type] } });
  const post = (path: string) => fetch(`${smo.url}${path}`, { method: 'POST' });
  const at = (seconds: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000);
  /** A series' value in GET /metrics (0 when absent). */
  const metric = async (series: string) => {
    const line = (await (await fetch(`${smo.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it('an infeasible cluster is recorded with its re-placement request: a crash right after the record loses neither', async () => {
    // Both at their maximum (3 replicas of 1 core each) need more than cluster-a's 4 cores.
    rates['noise-reduction'] = 100_000;
    rates['image-detection'] = 100_000;
    dieAfterFirstCommand = true;
    const round = scheduler();
    await round.round(at(0));
    expect(round.status().lastError).toContain('the process died here');
    const [infeasible] = await events('ScalingInfeasible');
    const [requested] = await events('ReplacementRequested');
    expect(requested?.data).toMatchObject({ graphId: GRAPH, reason: 'scaling-infeasible' });
    expect(requested?.revision).toBe(infeasible!.revision + 1);
  });

  it('a solver that fails (its worker died, no answer in time) is a failed round, not infeasible demand: nothing is re-placed', async () => {
    rates['noise-reduction'] = 1;
    solver = async () => ({ name: 'highs', solve: async () => failedResult('highs', 'error', 3000, 'the solver worker exited (134)') });
    const round = scheduler();
    await round.round(at(0));
    expect(await events('ScalingInfeasible')).toEqual([]);
    expect(await events('ReplacementRequested')).toEqual([]);
    expect(scaleCalls).toEqual([]);
    expect(round.status()).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('not solved') });
    solver = null;
    await round.round(at(30));
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 3 }]);
    expect(round.status()).toMatchObject({ consecutiveFailures: 0 });
  });

  it('a Prometheus that does not answer in time is waited for once per round, not once per cluster of each graph', async () => {
    for (const other of ['second-graph', 'third-graph']) {
      const body = descriptorText().replace(/image-detection-graph/g, other);
      expect((await fetch(`${smo.url}/project/${other}/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body })).status).toBe(200);
    }
    await smo.runtime.processing.whenIdle(20_000);
    prometheus = 'down';
    const round = scheduler();
    await round.round(at(0));
    // The reads under way when the first timed out were waited for with it; none was made after it.
    expect(rateQueries.length).toBeLessThanOrEqual(PROMETHEUS_QUERIES_AT_ONCE);
    // second-graph's services went to two clusters: 4 clusters in all.
    expect(round.status()).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('3 more clusters not read: Prometheus did not answer') });
  });

  it('a Karmada that does not answer a scale call in time is waited for once per round: the other scale calls are given up, and counted', async () => {
    live['noise-reduction'] = 2;
    live['image-detection'] = 2;
    rates['noise-reduction'] = 0; // 1 replica each
    rates['image-detection'] = 0;
    karmada = 'down';
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toHaveLength(1);
    expect(round.status()).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringMatching(/no answer within 10000 ms; 1 more scale calls given up: Karmada did not answer/) });
    // The failed call is counted through its event, the one given up in the metric too (not in /health alone).
    expect(await metric('smo_scaling_failures_total{kind="call"}')).toBe(1);
    expect(await metric('smo_scaling_failures_total{kind="given_up"}')).toBe(1);
    karmada = 'up';
    scaleCalls.length = 0;
    await round.round(at(30));
    expect(scaleCalls).toEqual(expect.arrayContaining([{ name: 'noise-reduction', namespace: 'demo', replicas: 1 }, { name: 'image-detection', namespace: 'demo', replicas: 1 }]));
    expect(round.status()).toMatchObject({ consecutiveFailures: 0 });
  });

  it('a graph removed and submitted again during the round gets none of the round\'s facts: its new release is not the one the round read', async () => {
    rates['noise-reduction'] = 1; // 3 replicas, from the 1 of the round's read
    duringScale = async () => {
      expect((await fetch(`${smo.url}/graphs/${GRAPH}`, { method: 'DELETE' })).status).toBeLessThan(300);
      await smo.runtime.processing.whenIdle(20_000);
      const again = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect(again.status).toBe(200);
      await smo.runtime.processing.whenIdle(20_000);
    };
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 3 }]);
    const history = await smo.runtime.eventStore.readStream(`graph-${GRAPH}`);
    const resubmitted = history.findLastIndex((event) => event.type === 'GraphSubmitted');
    expect(resubmitted).toBeGreaterThan(0);
    expect(history.slice(resubmitted).find((event) => event.type === 'ServiceDeployed')).toBeDefined();
    expect(history.slice(resubmitted).filter((event) => event.type === 'ServiceScaled')).toEqual([]);
    expect(round.status()).toMatchObject({ consecutiveFailures: 0 });
    // The next round scales the new submission, from its own replicas.
    scaleCalls.length = 0;
    await scheduler().round(at(30));
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 3 }]);
    expect((await events('ServiceScaled')).map((event) => event.revision)).toEqual([expect.any(Number)]);
  });

  it("reads a round's request rates a few at a time, across graphs, and scales each graph on its own", async () => {
    // Clusters of 100 times the cores, for 6 graphs of 2 deployed services each: 12 reads.
    const clusters = join(mkdtempSync(join(tmpdir(), 'smo-clusters-')), 'clusters.yaml');
    writeFileSync(clusters, readFileSync(join(__dirname, '../../config/simulated-clusters.yaml'), 'utf8').replace(/^(\s+cpu:) (\d+)$/gm, (_, key, cores) => `${key} ${Number(cores) * 100}`));
    await smo.close();
    smo = await startApp({ SMO_DEPLOY_WAIT: '20', SMO_SIMULATED_CLUSTERS: clusters });
    for (let n = 1; n <= 6; n++) {
      const body = descriptorText().replace(/image-detection-graph/g, `graph-${n}`);
      expect((await fetch(`${smo.url}/project/p${n}/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body })).status).toBe(200);
    }
    await smo.runtime.processing.whenIdle(20_000);
    prometheus = 'slow';
    rates['noise-reduction'] = 1; // 3 replicas, in each graph
    const round = scheduler();
    await round.round(at(0));
    expect(rateQueries.length).toBeGreaterThan(PROMETHEUS_QUERIES_AT_ONCE);
    expect(readsInFlight.most).toBe(PROMETHEUS_QUERIES_AT_ONCE);
    expect(scaleCalls.map((call) => call.namespace).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(round.status()).toMatchObject({ consecutiveFailures: 0, lastError: null });
    rmSync(dirname(clusters), { recursive: true, force: true });
  });

  it('a round whose every graph fails names the first few problems in /health and counts the others', async () => {
    for (let n = 2; n <= 3; n++) {
      const body = descriptorText().replace(/image-detection-graph/g, `graph-${n}`);
      expect((await fetch(`${smo.url}/project/p${n}/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body })).status).toBe(200);
    }
    await smo.runtime.processing.whenIdle(20_000);
    prometheus = 'invalid';
    const round = scheduler();
    await round.round(at(0));
    const problems = rateQueries.length; // one per cluster of each graph
    expect(problems).toBeGreaterThan(3);
    const lastError = round.status().lastError!;
    expect(lastError.split('; ')).toHaveLength(3 + 1);
    expect(lastError).toMatch(new RegExp(`; and ${problems - 3} more$`));
  });

  it('stopping the scaler does not wait for a hung Prometheus', async () => {
    // Its own rounds (every second), stopped at once rather than after the read would have timed out.
    prometheus = 'hung';
    const running = scheduler(1);
    running.start();
    const deadline = Date.now() + 5_000;
    while (rateQueries.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const made = rateQueries.length;
    expect(made).toBeGreaterThan(0);
    const stopped = running.stop();
    expect(await settlesWithin(stopped, 2_000)).toBe(true);
    expect(rateQueries).toHaveLength(made);
  });

  it('demand beyond a service’s maximum replicas scales it to its maximum, recorded once per cause and asking no re-placement', async () => {
    rates['noise-reduction'] = 100_000;
    for (let round = 0; round < 3; round++) {
      await scheduler().round(at(round * 30));
      await smo.runtime.processing.whenIdle(20_000);
    }
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 3 }]);
    const infeasible = await events('ScalingInfeasible');
    expect(infeasible.map((event) => event.data)).toEqual([
      {
        graphId: GRAPH,
        cluster: 'cluster-a',
        services: ['noise-reduction'],
        reason: 'At their maximum replicas, which serve less than their request rate: noise-reduction (3 replicas, 100000/s).',
        bindingResource: 'maxReplicas',
        requestRates: { 'noise-reduction': 100_000 },
      },
    ]);
    expect(await events('ReplacementRequested')).toEqual([]);
    const graph = (await (await fetch(`${smo.url}/graphs/${GRAPH}`)).json()) as { services: Array<{ name: string; replicas: number | null }> };
    expect(graph.services.find((service) => service.name === 'noise-reduction')?.replicas).toBe(3);
  });

  it('demand that fits no cluster is recorded once per cause, not once per round', async () => {
    rates['noise-reduction'] = 100_000;
    rates['image-detection'] = 100_000;
    for (let round = 0; round < 6; round++) {
      await scheduler().round(at(round * 30));
      await smo.runtime.processing.whenIdle(20_000);
    }
    expect(await events('ScalingInfeasible')).toHaveLength(1);
    expect(await events('ReplacementRequested')).toHaveLength(1);
    // The re-placement it asked for moved nothing, and no round asked again.
    expect((await events('PlacementDecided')).map((event) => (event.data as { reason: string }).reason)).toEqual(['first-deploy', 'scaling-infeasible']);
  });

  it("one graph's failure does not stop the round: the next graph is still scaled, and the round reports it", async () => {
    // A second graph, in another project, with the same services (ids are unique per project).
    const other = descriptorText().replace(/image-detection-graph/g, 'other-graph');
    expect((await fetch(`${smo.url}/project/other/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: other })).status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
    rates['noise-reduction'] = 1; // 3 replicas, in both graphs
    refusedGraph = GRAPH; // scaled first: by name, image-detection-graph comes before other-graph
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toEqual(expect.arrayContaining([{ name: 'noise-reduction', namespace: 'other', replicas: 3 }]));
    expect((await events('ServiceScaled')).map((event) => (event.data as { graphId: string }).graphId)).toEqual(['other-graph']);
    expect(round.status()).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining(`graph ${GRAPH}: Graph with name ${GRAPH} not found`) });
  });

  it("reads each rate in the graph's project namespace, and holds a service without a series (no data is not 0 requests)", async () => {
    rates['image-detection'] = 3; // 1.67·r − 0.01 ≥ 3: 2 replicas
    await scheduler().round(at(0));
    await smo.runtime.processing.whenIdle(20_000);
    const held = scaleCalls.find((call) => call.name === 'image-detection')?.replicas ?? 0;
    expect(held).toBeGreaterThan(1);
    expect(rateQueries).toContainEqual({ service: 'image-detection', namespace: { label: 'namespace', value: 'demo' } });
    // The exporter of image-detection is gone: its series ends. At 0 requests it would go down to 1 replica.
    scaleCalls.length = 0;
    rates['image-detection'] = null;
    rates['noise-reduction'] = 0.6; // 0.533·r − 0.416 ≥ 0.6: 2 replicas, beside the replicas held
    const round = scheduler();
    await round.round(at(30));
    await smo.runtime.processing.whenIdle(20_000);
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 2 }]);
    expect(round.status()).toMatchObject({ consecutiveFailures: 0, servicesWithoutData: 1 });
    rates['image-detection'] = 0;
    scaleCalls.length = 0;
    await scheduler().round(at(60));
    expect(scaleCalls).toEqual([{ name: 'image-detection', namespace: 'demo', replicas: 1 }]);
  });

  it("scales in the cluster's free CPU plus what the services scaled already take there: their replicas are not counted twice", async () => {
    // cluster-a: 4 cores; noise-reduction (1 core), image-detection (1) and image-compression-vo (0.5) placed there.
    const sync = async () => {
      await smo.app.get(DurableProcessing).clusterSync.syncOnce();
      await smo.runtime.processing.whenIdle(20_000);
    };
    await sync();
    const [free] = await smo.runtime.readStore.find<{ name: string; cpuAvailable: number }>('clusters', { where: { name: 'cluster-a' } });
    expect(free?.doc.cpuAvailable).toBe(1.5);
    rates['noise-reduction'] = 0.6; // 2 replicas: 3.5 cores of 4 in all, 1 more than now
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toEqual([{ name: 'noise-reduction', namespace: 'demo', replicas: 2 }]);
    expect(await events('ScalingInfeasible')).toEqual([]);
    // Scaled, the cluster shows 0.5 cores free: the next round keeps the 2 replicas it has (it had asked for 3.5 cores in 0.5).
    await smo.runtime.processing.whenIdle(20_000);
    await sync();
    scaleCalls.length = 0;
    await round.round(at(30));
    expect(scaleCalls).toEqual([]);
    expect(await events('ScalingInfeasible')).toEqual([]);
    expect(round.status()).toMatchObject({ consecutiveFailures: 0 });
  });

  it("stops scaling, graph by graph, once another instance holds the scaling lease, and reports that one's rounds (not a failure)", async () => {
    rates['noise-reduction'] = 1;
    const other = new JobLease<ScalingStatus>({ readStore: smo.runtime.readStore, logger: silentLogger, owner: 'another-instance', ttlMs: 60_000 }, 'job:scaling');
    expect(await other.hold()).toBe(true);
    const holderRounds: ScalingStatus = { lastRoundAt: at(-30).toISOString(), lastError: null, consecutiveFailures: 0, servicesWithoutData: 1 };
    await other.record(holderRounds);
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toEqual([]);
    expect(round.status()).toEqual(holderRounds);
    await other.release();
  });

  it('after a stop and a start (a fresh release, at the chart replica count) the same demand is scaled again', async () => {
    rates['noise-reduction'] = 1; // 0.533·r − 0.416 ≥ 1: 3 replicas
    await scheduler().round(at(0));
    expect(scaleCalls).toContainEqual({ name: 'noise-reduction', namespace: 'demo', replicas: 3 });
    await smo.runtime.processing.whenIdle(20_000);
    expect((await post(`/graphs/${GRAPH}/stop`)).status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
    expect((await post(`/graphs/${GRAPH}/start`)).status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
    const installs = (await events('ServiceDeployed')).filter((event) => (event.data as { serviceId: string }).serviceId === 'noise-reduction');
    expect(installs.map((event) => (event.data as { action: string }).action)).toEqual(['install', 'install']);
    scaleCalls.length = 0;
    await scheduler().round(at(600));
    expect(scaleCalls).toContainEqual({ name: 'noise-reduction', namespace: 'demo', replicas: 3 });
  });
});
