import { randomUUID } from 'node:crypto';
import { graphStream } from '../../src/domain/graph/events';
import { FakePrometheus, vectorReply } from '../fakes/prometheus/fake-prometheus';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { run } from '../../src/cli/main';
import { watchCommand } from '../../src/cli/graphs.command';
import { SmoClient } from '../../src/cli/client';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';
import { startApp, type RunningApp } from '../support/app';
import { createLogger } from '../../src/observability/logger';
import { randomPlacementInstance } from '../../src/optimizer/testing/random-instances';

const GRAPH = 'image-detection-graph';

interface Placement {
  at: string;
  position: number;
  reason: string;
  algorithm: string;
  solver: string | null;
  moves: number | null;
  feasible: boolean;
  placement: Record<string, string> | null;
  inputs: { clusters: Array<{ name: string; cpu: number }>; previousPlacement: Record<string, string> | null };
}

describe('audit, analytics and the event stream over a scripted history', () => {
  let rig: OrchestratorRig;
  let prometheus: FakePrometheus;
  const rate: { noise: number } = { noise: 0 };
  let placements: Placement[];

  const shrink = async (c1Cpu: string) => {
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: c1Cpu, allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
  };
  const json = async <T>(path: string) => (await (await rig.request('GET', path)).json()) as T;

  beforeAll(async () => {
    prometheus = new FakePrometheus();
    const url = await prometheus.start();
    prometheus.answer((query) => vectorReply(query.includes('noise-reduction') && rate.noise > 0 ? [{ labels: { service: 'noise-reduction' }, value: String(rate.noise) }] : []));
    rig = await startRig({ env: { SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: url } });

    // The script: deploy, scale, two re-placements, an alert, stop.
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    for (const name of ['noise-reduction', 'image-detection']) rig.kube.setDeployment({ name, namespace: 'demo', replicas: 1, cpuLimit: '1' });
    rate.noise = 0.5;
    await eventually(async () => (await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ServiceScaled'] } })).length > 0, 20_000, 'a scaling');
    rate.noise = 0;
    await shrink('2500m');
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
    await shrink('1');
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
    const alert = {
      receiver: 'r', status: 'firing', version: '4', groupKey: '{}', truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
      alerts: [{ status: 'firing', labels: { alertname: 'main-event', service: 'image-compression-vo' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f' }],
    };
    expect((await rig.request('POST', '/alerts', { body: JSON.stringify(alert), contentType: 'application/json' })).status).toBe(200);
    await eventually(async () => rig.helm.installs('image-compression-vo').length === 1, 20_000, 'the VO install');
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
    await rig.idle();
    placements = await json<Placement[]>(`/graphs/${GRAPH}/placements`);
  }, 120_000);
  afterAll(async () => {
    await rig.stop();
    await prometheus.stop();
  });

  it('GET /graphs/{name}/placements tells when, why, how and with what each decision was made', () => {
    expect(placements.map((p) => [p.reason, p.algorithm, p.feasible])).toEqual([
      ['first-deploy', 'naive', true],
      ['manual', 'milp', true],
      ['manual', 'milp', true],
    ]);
    expect(placements[0]!.placement).toEqual({ 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' });
    expect(placements[1]).toMatchObject({ solver: 'highs', inputs: { previousPlacement: placements[0]!.placement } });
    expect(placements[2]!.inputs.clusters.find((c) => c.name === 'c1')?.cpu).toBe(1);
    expect(placements.slice(1).every((p) => typeof p.moves === 'number')).toBe(true);
  });

  it('GET /graphs/{name}?at= shows the graph as it was: the earlier placement before a re-placement', async () => {
    const before = await json<{ placement: Record<string, string> }>(`/graphs/${GRAPH}?at=${placements[1]!.position - 1}`);
    expect(before.placement).toEqual(placements[0]!.placement);
    const after = await json<{ placement: Record<string, string> }>(`/graphs/${GRAPH}?at=${placements[2]!.position}`);
    expect(after.placement).toEqual(placements[2]!.placement);
    const byTime = await json<{ placement: Record<string, string>; status: string }>(`/graphs/${GRAPH}?at=${encodeURIComponent(placements[0]!.at)}`);
    expect(byTime.placement).toEqual(placements[0]!.placement);
    expect((await rig.request('GET', `/graphs/${GRAPH}?at=1999-01-01T00:00:00Z`)).status).toBe(404);
    expect((await rig.request('GET', `/graphs/${GRAPH}?at=yesterday`)).status).toBe(400);
  });

  it('GET /graphs/{name}/history pages and filters the graph’s events', async () => {
    const all = await json<{ events: Array<{ type: string; revision: number }>; next: string | null }>(`/graphs/${GRAPH}/history?limit=500`);
    const types = all.events.map((e) => e.type);
    expect(types[0]).toBe('GraphSubmitted');
    expect(types).toEqual(expect.arrayContaining(['PlacementDecided', 'ServiceScaled', 'ReplacementRequested', 'ServiceTriggered', 'GraphStopped']));
    expect(all.events.map((e) => e.revision)).toEqual(all.events.map((_, i) => i));
    const page = await json<{ events: unknown[]; next: string }>(`/graphs/${GRAPH}/history?limit=2`);
    expect(page.events).toHaveLength(2);
    const second = await json<{ events: Array<{ revision: number }> }>(page.next);
    expect(second.events[0]?.revision).toBe(2);
    const filtered = await json<{ events: Array<{ type: string }> }>(`/graphs/${GRAPH}/history?type=PlacementDecided`);
    expect(filtered.events.map((e) => e.type)).toEqual(['PlacementDecided', 'PlacementDecided', 'PlacementDecided']);
    // A misspelt type is refused naming it, not answered with an empty history ("it never happened").
    const misspelt = await rig.request('GET', `/graphs/${GRAPH}/history?type=PlacementDecided,PlacementDecied`);
    expect({ status: misspelt.status, type: misspelt.headers.get('content-type'), body: await misspelt.json() }).toEqual({
      status: 400,
      type: expect.stringContaining('application/problem+json'),
      body: expect.objectContaining({
        detail: expect.stringMatching(/^type "PlacementDecied" is not an event type of a graph; they are .*PlacementDecided/),
        errors: [{ pointer: '/type', message: expect.stringMatching(/^"PlacementDecied" is not an event type of a graph/) }],
      }),
    });
    expect((await rig.request('GET', '/graphs/nope/history')).status).toBe(404);
  });

  it('GET /events?correlationId= gives the whole story of one command', async () => {
    const history = await json<{ events: Array<{ type: string; correlationId: string }> }>(`/graphs/${GRAPH}/history?type=GraphStopped`);
    const story = await json<Array<{ type: string }>>(`/events?correlationId=${history.events[0]!.correlationId}`);
    expect(story.map((e) => e.type)).toEqual(expect.arrayContaining(['GraphStopped', 'ServiceUninstalled', 'AlertRulesRemoved']));
    expect((await rig.request('GET', '/events')).status).toBe(400);
  });

  it('analytics: load per cluster over time, scaling per service, alerts per rule, moves per day, failures per chart', async () => {
    const load = await json<Record<string, Array<{ cpu: number }>>>('/analytics/cluster-load');
    expect(load.c1?.[0]?.cpu).toBeGreaterThan(0);
    expect(load.c1?.at(-1)?.cpu).toBe(0);
    // Each cluster's latest points only, when asked, and said to be cut.
    const latest = await rig.request('GET', '/analytics/cluster-load?limit=1');
    expect(latest.headers.get('x-truncated')).toBe('true');
    expect(await latest.json()).toEqual(Object.fromEntries(Object.entries(load).map(([cluster, points]) => [cluster, points.slice(-1)])));
    expect((await rig.request('GET', '/analytics/cluster-load')).headers.get('x-truncated')).toBeNull();
    expect((await rig.request('GET', '/analytics/cluster-load?limit=0')).status).toBe(400);
    const scaling = await json<Array<{ serviceId: string; actions: number }>>('/analytics/scaling');
    expect(scaling[0]).toMatchObject({ serviceId: 'noise-reduction', actions: expect.any(Number) });
    const first = await rig.request('GET', `/analytics/scaling?limit=${scaling.length}`);
    expect([first.headers.get('x-truncated'), await first.json()]).toEqual([null, scaling]);
    expect((await rig.request('GET', '/analytics/scaling?limit=1001')).status).toBe(400);
    expect(await json('/analytics/alerts')).toEqual([expect.objectContaining({ alertName: 'main-event', firing: 1 })]);
    const moves = await json<Array<{ decisions: number; byReason: Record<string, unknown> }>>('/analytics/placement-moves');
    expect(moves[0]).toMatchObject({ decisions: 3, byReason: { 'first-deploy': { decisions: 1, moves: 0 }, manual: expect.any(Object) } });
    expect(await json('/analytics/deployment-failures')).toEqual([]);
    // Each a page at most, however long SMO has run: the first alert names and charts, the last days.
    const alerts = await rig.request('GET', '/analytics/alerts?limit=1');
    expect([alerts.headers.get('x-truncated'), await alerts.json()]).toEqual([null, [expect.objectContaining({ alertName: 'main-event' })]]);
    expect((await rig.request('GET', '/analytics/deployment-failures?limit=0')).status).toBe(400);
    expect(await json('/analytics/placement-moves?days=1')).toEqual(moves);
    // A day long past (written into the read model here, removed below): outside the default year, inside ten.
    const { readStore } = rig.smo.runtime;
    const past = { day: '2020-01-01', decisions: 1, moves: 0, byReason: { manual: { decisions: 1, moves: 0 } } };
    await readStore.commit([{ kind: 'upsert', collection: 'analytics-placement-moves', id: past.day, doc: past, position: 1e9 }]);
    const lastYear = await rig.request('GET', '/analytics/placement-moves');
    expect([lastYear.headers.get('x-truncated'), await lastYear.json()]).toEqual(['true', moves]);
    const decade = await rig.request('GET', '/analytics/placement-moves?days=3660');
    expect([decade.headers.get('x-truncated'), await decade.json()]).toEqual([null, [past, ...moves]]);
    expect((await rig.request('GET', '/analytics/placement-moves?days=3661')).status).toBe(400);
    await readStore.commit([{ kind: 'delete', collection: 'analytics-placement-moves', id: past.day, position: 1e9 + 1 }]);
    // One graph's own placed load over time: placed on c1 first, moved, then stopped (nothing placed).
    const placed = await json<{ graphId: string; running: boolean; timeline: Array<{ byCluster: Record<string, { cpu: number }> }>; hourly: number }>(`/analytics/placed-resources/${GRAPH}`);
    expect(placed).toMatchObject({ graphId: GRAPH, running: false, hourly: 0 });
    expect(placed.timeline[0]?.byCluster.c1?.cpu).toBeGreaterThan(0);
    expect(placed.timeline.at(-1)?.byCluster).toEqual({});
    // Its points add up to the clusters' totals: one graph, so each cluster's series is this graph's.
    expect(placed.timeline.map((point) => point.byCluster.c1?.cpu ?? 0)).toEqual(load.c1?.map((point) => point.cpu));
    const unknown = await rig.request('GET', '/analytics/placed-resources/no-such-graph');
    expect([unknown.status, unknown.headers.get('content-type')]).toEqual([404, expect.stringContaining('application/problem+json')]);
  });

  it('a rebuilt analytics projection equals the live one', async () => {
    for (const [name, path] of [
      ['analytics-cluster-load', '/analytics/cluster-load'],
      ['analytics-placement-moves', '/analytics/placement-moves'],
      ['analytics-alerts-by-rule', '/analytics/alerts'],
      ['analytics-placed-resources', `/analytics/placed-resources/${GRAPH}`],
    ] as const) {
      const live = await json(path);
      expect((await rig.request('POST', `/admin/projections/${name}/rebuild`)).status).toBe(200);
      expect(await json(path)).toEqual(live);
    }
  });

  it('counterfactual replay re-solves every decision under another objective and solver, and appends nothing', async () => {
    const head = await rig.smo.runtime.eventStore.headPosition();
    const response = await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: JSON.stringify({ solver: 'glpk', objective: 'fresh' }), contentType: 'application/json' });
    expect(response.status).toBe(200);
    const replay = (await response.json()) as {
      decisions: Array<{ decisionId: string; recorded: { placement: Record<string, string>; violations: unknown[] }; replayed: { solver: string; feasible: boolean; violations: unknown[] }; differences: unknown[] }>;
    };
    expect(replay.decisions.map((d) => d.decisionId)).toEqual(placements.map((p) => (p as unknown as { decisionId: string }).decisionId));
    for (const decision of replay.decisions) {
      expect(decision.replayed).toMatchObject({ solver: 'glpk', feasible: true, violations: [] });
      expect(decision.recorded.violations).toEqual([]);
      expect(Array.isArray(decision.differences)).toBe(true);
    }
    expect(replay.decisions[0]!.recorded.placement).toEqual(placements[0]!.placement);
    expect(await rig.smo.runtime.eventStore.headPosition()).toBe(head);
    const bad = await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: JSON.stringify({ solver: 'cplex' }), contentType: 'application/json' });
    expect(bad.status).toBe(400);
    const out: string[] = [];
    expect(await run(['replay', GRAPH, '--objective', 'fresh'], { SMO_URL: rig.smo.url }, (line) => out.push(line), () => undefined)).toBe(0);
    expect(out.join('\n')).toMatch(/first-deploy/);
  });

  it('GET /events/stream sends new events, filtered by graph', async () => {
    const client = new SmoClient(rig.smo.url);
    const seen: string[] = [];
    const abort = new AbortController();
    const ctx = { client, output: { format: 'table' as const, headers: false }, print: (line: string) => seen.push(line), progress: () => undefined, signal: abort.signal };
    const watching = watchCommand(ctx, { graph: GRAPH, limit: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await rig.request('POST', '/project/other/graphs', { body: descriptorText().replace('id: image-detection-graph', 'id: other-graph'), contentType: 'application/yaml' });
    expect((await rig.request('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
    await watching;
    abort.abort();
    expect(seen[0]).toMatch(new RegExp(`^\\S+\\s+${GRAPH}\\s+GraphStarted\\s+-$`));
  });
});

describe('GET /graphs/{name}/placements keeps to its graph', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => (rig = await startRig()));
  afterAll(async () => rig.stop());

  it("answers a graph's own decisions, each at once after it is made, and a removed graph's decisions kept for audit", async () => {
    type Decision = { decisionId: string; reason: string; revision: number };
    const decisions = async (graph: string) => (await (await rig.request('GET', `/graphs/${graph}/placements`)).json()) as Decision[];
    const OTHER = 'other-graph';
    const deploy = (project: string, text: string) => rig.request('POST', `/project/${project}/graphs`, { body: text, contentType: 'application/yaml' });
    expect((await deploy('demo', descriptorText())).status).toBe(200);
    expect((await deploy('elsewhere', descriptorText().replace(/image-detection-graph/g, OTHER))).status).toBe(200);
    for (let i = 1; i <= 2; i++) {
      expect((await rig.request('POST', `/graphs/${OTHER}/placement`)).status).toBe(200);
      expect(await decisions(OTHER)).toHaveLength(1 + i); // read-your-writes: the decision just made is listed
    }
    const first = await decisions(GRAPH);
    expect(first.map((d) => d.reason)).toEqual(['first-deploy']);

    // Removing a graph keeps its audit trail; deployed again under its name, its decisions follow on.
    expect((await rig.request('DELETE', `/graphs/${GRAPH}`)).status).toBe(200);
    expect(await decisions(GRAPH)).toEqual(first);
    expect((await deploy('demo', descriptorText())).status).toBe(200);
    const again = await decisions(GRAPH);
    expect(again.map((d) => d.reason)).toEqual(['first-deploy', 'first-deploy']);
    expect(again[0]).toEqual(first[0]);
    expect(again[1]!.revision).toBeGreaterThan(first[0]!.revision);
    expect(await decisions(OTHER)).toHaveLength(3);

    // An infeasible re-placement is listed with what would make it fit (the console's capacity gap).
    rig.kube.setClusters([karmadaCluster({ name: 'c1', cpu: '500m', allocatedCpu: '0', allocatedMemory: '0' })]);
    await rig.request('POST', '/clusters/sync');
    await rig.request('POST', `/graphs/${OTHER}/placement`);
    const failed = (await decisions(OTHER)).at(-1);
    expect(failed).toMatchObject({ feasible: false, bindingResource: 'cpu', capacityGap: { addToCluster: [{ cluster: 'c1', cpu: expect.any(Number) }] } });

    // Pages: the latest first, each page oldest first, `Link` to the older ones.
    const all = await decisions(OTHER);
    const size = all.length - 1; // 4 or more decisions: the first page leaves out the oldest one
    expect(size).toBeGreaterThanOrEqual(3);
    const latest = await rig.request('GET', `/graphs/${OTHER}/placements?limit=${size}`);
    expect(((await latest.json()) as Decision[]).map((d) => d.decisionId)).toEqual(all.slice(1).map((d) => d.decisionId));
    const next = /^<([^>]+)>; rel="next"$/.exec(latest.headers.get('link') ?? '')?.[1];
    // Keyset: the next page is what was recorded below the oldest decision of this one.
    expect(next).toBe(`/graphs/${OTHER}/placements?before=${all[1]!.revision}&limit=${size}`);
    const older = await rig.request('GET', next!);
    expect(((await older.json()) as Decision[]).map((d) => d.decisionId)).toEqual([all[0]!.decisionId]);
    expect(older.headers.get('link')).toBeNull();
    const skipped = await rig.request('GET', `/graphs/${OTHER}/placements?offset=${size}&limit=${size}`);
    expect(((await skipped.json()) as Decision[]).map((d) => d.decisionId)).toEqual([all[0]!.decisionId]);
    const belowLatest = await rig.request('GET', `/graphs/${OTHER}/placements?before=${all.at(-1)!.revision}&offset=1`);
    expect(((await belowLatest.json()) as Decision[]).map((d) => d.decisionId)).toEqual(all.slice(0, -2).map((d) => d.decisionId));
    const replayed = await rig.request('POST', `/graphs/${OTHER}/placements/replay?limit=1`, { body: '{}', contentType: 'application/json' });
    expect(((await replayed.json()) as { decisions: Array<{ decisionId: string }> }).decisions.map((d) => d.decisionId)).toEqual([all.at(-1)!.decisionId]);
    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'limit=ten', 'before=-1', 'before=1.5', 'before=99999999999999999999']) {
      const refused = await rig.request('GET', `/graphs/${OTHER}/placements?${query}`);
      expect([refused.status, refused.headers.get('content-type')]).toEqual([400, expect.stringContaining('application/problem+json')]);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(new RegExp(`^${query.split('=')[0]} must be`));
    }
  });

  it('answers 503 naming the lag when the placement decisions are not indexed up to the graph within 5 s, and nothing else changes', async () => {
    const before = await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).text();
    await rig.smo.runtime.processing.stop(); // what a standby instance sees while the lease holder lags: no runner moves
    const head = (await rig.smo.runtime.eventStore.headPosition())!;
    await rig.smo.runtime.eventStore.appendToStream(graphStream(GRAPH), [
      { id: randomUUID(), type: 'GraphStopped', data: { graphId: GRAPH }, metadata: { correlationId: 'lag', causationId: 'lag', actor: 'test', at: new Date().toISOString(), schemaVersion: 1 } },
    ]);
    const lagging = await rig.request('GET', `/graphs/${GRAPH}/placements`);
    expect([lagging.status, lagging.headers.get('content-type'), lagging.headers.get('retry-after')]).toEqual([503, expect.stringContaining('application/problem+json'), '5']);
    expect(((await lagging.json()) as { detail: string }).detail).toMatch(/still being indexed/);
    rig.smo.runtime.processing.start();
    await rig.smo.runtime.processing.whenProcessed(head + 1, { timeoutMs: 10_000 });
    expect(await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).text()).toBe(before);
  }, 20_000);
});

describe('the smo CLI drives the whole lifecycle against a running SMO', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => (rig = await startRig()));
  afterAll(async () => rig.stop());

  it('deploy → list → get → placement → stop → start → history → placements → clusters → remove', async () => {
    const out: string[] = [];
    const progress: string[] = [];
    const smo = (...args: string[]) => run(args, { SMO_URL: rig.smo.url }, (line) => out.push(line), (line) => progress.push(line));
    const file = `${__dirname}/../fixtures/descriptors/brussels-demo.upstream.hdag.yaml`;
    expect(await smo('deploy', file, '--project', 'demo')).toBe(0);
    expect(progress.some((line) => line.includes('noise-reduction=Deployed'))).toBe(true);
    expect(out.pop()).toMatch(/image-detection-graph \(demo\): Running/);
    expect(await smo('list', '--project', 'demo')).toBe(0);
    expect(out.pop()).toMatch(/image-detection-graph\s+Running\s+3/);
    expect(await smo('--json', 'get', GRAPH)).toBe(0);
    expect(JSON.parse(out.pop()!)).toMatchObject({ name: GRAPH, status: 'Running' });
    expect(await smo('placement', GRAPH)).toBe(0);
    expect(out.pop()).toContain(`Placement of graph ${GRAPH} triggered`);
    expect(await smo('stop', GRAPH)).toBe(0);
    expect(out.pop()).toMatch(/Graph stopped[\s\S]*Stopped/);
    expect(await smo('start', GRAPH)).toBe(0);
    expect(out.pop()).toMatch(/Graph started[\s\S]*Running/);
    expect(await smo('history', GRAPH)).toBe(0);
    expect(out.pop()).toMatch(/GraphSubmitted[\s\S]*GraphStopped[\s\S]*GraphStarted/);
    expect(await smo('placements', GRAPH)).toBe(0);
    expect(out.pop()).toMatch(/first-deploy\s+naive[\s\S]*manual\s+milp/);
    expect(await smo('clusters')).toBe(0);
    // The graph's 2.5 cores count against c1 until Karmada's allocated figures show them (issue 15), and the manual
    // re-placement moved nothing: the graph does not compete with its own placed demand.
    expect(out.pop()).toMatch(/c1\s+true\s+1\.5\s[\s\S]*c2\s+true\s+6\s/);
    expect(await smo('remove', GRAPH)).toBe(0);
    expect(out.pop()).toBe('Removal successful');
    expect(await smo('get', GRAPH)).toBe(1);
    expect(progress.pop()).toMatch(/404/);
    expect(rig.helm.state()).toEqual({});
  });
});

describe('a counterfactual replay whose client leaves', () => {
  const lines: Array<Record<string, unknown>> = [];
  let smo: RunningApp;
  beforeAll(async () => {
    smo = await startApp({}, { logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } }) });
  });
  afterAll(async () => smo?.close());

  it('re-solves no further decision: each solve would take the solver worker the running graphs wait for', async () => {
    expect((await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() })).status).toBe(200);
    const recorded = (await smo.runtime.eventStore.readStream(graphStream(GRAPH))).find((event) => event.type === 'PlacementDecided')!;
    // A long audit trail of a large graph: 1,000 decisions (the most one replay re-solves), each over 60 services and 12 clusters.
    const instance = randomPlacementInstance(7, { services: 60, clusters: 12, gpus: false, tightness: 0.8 });
    const inputs = { clusters: instance.clusters, services: instance.services, previousPlacement: instance.current };
    let position = 0;
    for (let batch = 0; batch < 10; batch++) {
      const copies = Array.from({ length: 100 }, () => ({
        id: randomUUID(),
        type: 'PlacementDecided',
        data: { ...(recorded.data as Record<string, unknown>), decisionId: randomUUID(), reason: 'manual', algorithm: 'milp', inputs },
        metadata: recorded.metadata,
      }));
      ({ position } = await smo.runtime.eventStore.appendToStream(graphStream(GRAPH), copies));
    }
    await smo.runtime.processing.whenProcessed(position, { timeoutMs: 20_000 });

    const client = new AbortController();
    const replay = fetch(`${smo.url}/graphs/${GRAPH}/placements/replay?limit=1000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"solver":"glpk","objective":"fresh"}', signal: client.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    await expect(replay).rejects.toThrow();
    await eventually(async () => lines.some((line) => line.msg === 'replay stopped: its client left'), 20_000, 'the replay to stop');
    const stopped = lines.find((line) => line.msg === 'replay stopped: its client left')!;
    expect(stopped).toMatchObject({ graph: GRAPH, decisions: 1_000 });
    expect(stopped.replayed).toBeLessThan(1_000);
  }, 60_000);
});

describe('GET /events/stream under SMO_MAX_EVENT_STREAMS', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp({ SMO_MAX_EVENT_STREAMS: '2' })));
  afterAll(async () => smo?.close());

  it('answers 503 with Retry-After over the limit, and takes a stream again once one closes', async () => {
    const open = async () => {
      const client = new AbortController();
      const response = await fetch(`${smo.url}/events/stream`, { signal: client.signal });
      return { response, client };
    };
    const first = await open();
    const second = await open();
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    // The headers every answer carries, though the stream's answer is written by hand.
    expect(Object.fromEntries(['content-type', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy', 'x-correlation-id'].map((name) => [name, first.response.headers.get(name)]))).toEqual({
      'content-type': 'text/event-stream',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-correlation-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const refused = await open();
    expect([refused.response.status, refused.response.headers.get('content-type'), refused.response.headers.get('retry-after')]).toEqual([503, expect.stringContaining('application/problem+json'), '5']);
    expect(((await refused.response.json()) as { detail: string }).detail).toMatch(/2 event streams are open.*SMO_MAX_EVENT_STREAMS/);
    first.client.abort();
    const again = await eventually(async () => {
      const next = await open();
      if (next.response.status === 200) return next;
      await next.response.body?.cancel();
      return undefined;
    }, 5_000, 'a place among the streams');
    again.client.abort();
    second.client.abort();
  });
});
