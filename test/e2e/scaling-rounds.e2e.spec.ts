import { CommandBus } from '@nestjs/cqrs';
import { graphUseCaseOf } from '../../src/app/cqrs';
import type { CommandContext } from '../../src/application/command-handler';
import type { GraphCommand } from '../../src/domain/graph/commands';
import { getSolver } from '../../src/optimizer';
import { ScalingScheduler } from '../../src/processors/scaling.scheduler';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { silentLogger } from '../support/stores';

const GRAPH = 'image-detection-graph';

/**
 * Scaling rounds driven one at a time over the embedded SMO (the real commands, store and solver);
 * only the two process boundaries are stand-ins: request rates (Prometheus) and the scale call (Karmada).
 */
describe('scaling rounds', () => {
  let smo: RunningApp;
  const rates: Record<string, number> = {};
  const scaleCalls: Array<{ name: string; namespace: string; replicas: number }> = [];
  /** The process dies right after the round's first command was recorded. */
  let dieAfterFirstCommand = false;
  /** Commands for this graph are refused (as for a graph removed mid-round). */
  let refusedGraph: string | null = null;

  beforeEach(async () => {
    smo = await startApp({ SMO_DEPLOY_WAIT: '20' });
    for (const key of Object.keys(rates)) delete rates[key];
    scaleCalls.length = 0;
    dieAfterFirstCommand = false;
    refusedGraph = null;
    const deploy = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deploy.status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
  });
  afterEach(async () => smo.close());

  function scheduler(): ScalingScheduler {
    const bus = smo.app.get(CommandBus);
    return new ScalingScheduler({
      readStore: smo.runtime.readStore,
      rates: { requestRate: async (service) => ({ ok: true, rate: rates[service] ?? 0 }) },
      scaler: { mode: 'simulated', scale: async (name, namespace, replicas) => void scaleCalls.push({ name, namespace, replicas }) },
      dispatch: async (command: GraphCommand, context: CommandContext) => {
        const graphId = 'data' in command ? command.data.graphId : command.event.data.graphId;
        if (graphId === refusedGraph) throw new Error(`Graph with name ${graphId} not found`);
        const result = await bus.execute(graphUseCaseOf(command, context));
        if (dieAfterFirstCommand) throw new Error('the process died here');
        return result;
      },
      solver: () => getSolver(),
      logger: silentLogger,
      intervalSeconds: 30,
      metric: 'flask_http_request_total',
      owner: 'test',
    });
  }
  const events = (type: string) => smo.runtime.eventStore.readAll({ filter: { eventTypes: [type] } });
  const post = (path: string) => fetch(`${smo.url}${path}`, { method: 'POST' });
  const at = (seconds: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000);

  it('an infeasible cluster is recorded with its re-placement request: a crash right after the record loses neither', async () => {
    rates['noise-reduction'] = 100_000; // far beyond any cluster
    dieAfterFirstCommand = true;
    const round = scheduler();
    await round.round(at(0));
    expect(round.status().lastError).toContain('the process died here');
    const [infeasible] = await events('ScalingInfeasible');
    const [requested] = await events('ReplacementRequested');
    expect(requested?.data).toMatchObject({ graphId: GRAPH, reason: 'scaling-infeasible' });
    expect(requested?.revision).toBe(infeasible!.revision + 1);
  });

  it('demand that fits no cluster is recorded once per cause, not once per round', async () => {
    rates['noise-reduction'] = 100_000;
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

  it('stops scaling, graph by graph, once another instance holds the scaling lease', async () => {
    rates['noise-reduction'] = 1;
    expect(await smo.runtime.readStore.acquireLease('job:scaling', 'another-instance', 60_000)).toBe(true);
    const round = scheduler();
    await round.round(at(0));
    expect(scaleCalls).toEqual([]);
    expect(round.status().lastError).toContain('another instance holds the scaling lease');
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
