import { randomUUID } from 'node:crypto';
import { GraphCommands } from '../application/graph-commands';
import type { CommandContext } from '../application/command-handler';
import { clusterStream } from '../domain/cluster/events';
import { graphStream } from '../domain/graph/events';
import { graphsProjection } from '../../projections/graphs.projection';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { sqliteStores } from '../../test/support/stores';
import { ClusterLossProcessor } from './cluster-loss.processor';

/** Two graphs on c1; the graphs read model lags the write model by one removal (as under load or during a projection takeover). */
describe('ClusterLossProcessor: the graphs read model lags a removal', () => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const processor = new ClusterLossProcessor({ readStore: stores.readStore, dispatch: (command, context) => graphs.execute(command, context) });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  afterAll(() => stores.dispose());

  async function deployOnC1(graphId: string, project: string) {
    const submitted = graphSubmitted(project);
    await graphs.execute({ type: 'SubmitGraph', data: { ...submitted.data, graphId } }, context());
    const ids = submitted.data.normalised.services.map((s) => s.id);
    const placement = Object.fromEntries(ids.map((id) => [id, 'c1']));
    await graphs.execute(
      {
        type: 'RecordPlacement',
        data: {
          graphId, decisionId: `p-${graphId}`, reason: 'first-deploy', algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs: 1,
          inputs: { clusters: [], services: [], previousPlacement: null }, placement, imports: {},
          values: Object.fromEntries(ids.map((id) => [id, { clustersAffinity: ['c1'] }])), digests: Object.fromEntries(ids.map((id) => [id, `d-${id}`])), explanation: [],
        },
      } as never,
      context(),
    );
  }

  /** Runs the real graphs projection over everything in the store up to now. */
  async function project() {
    for (const event of await stores.eventStore.readAll()) {
      if (!event.streamId.startsWith('graph-')) continue;
      const id = graphsProjection.documentIds(event)[0]!;
      const current = await stores.readStore.get<never>('graphs', id);
      const doc = graphsProjection.evolve(current?.doc ?? null, event, id);
      await stores.readStore.commit([doc === null ? { kind: 'delete', collection: 'graphs', id, position: event.position } : { kind: 'upsert', collection: 'graphs', id, doc, position: event.position }]);
    }
  }

  it('still asks every other affected graph for a re-placement', async () => {
    await deployOnC1('a-graph', 'pa');
    await deployOnC1('b-graph', 'pb');
    await project();
    // a-graph is removed; the read model has not caught up yet.
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'a-graph' } }, context());
    await stores.eventStore.appendToStream(clusterStream('c1'), [{ id: randomUUID(), type: 'ClusterUnavailable', data: { name: 'c1', reason: 'Ready=False', lost: true } }]);
    const lost = (await stores.eventStore.readStream(clusterStream('c1'))).at(-1)!;

    // The processing host retries a failing event a few times, then parks it.
    let outcome = 'handled';
    try {
      await processor.handle(lost);
    } catch (error) {
      outcome = `threw: ${(error as Error).message}`;
    }
    const asked = (await stores.eventStore.readStream(graphStream('b-graph'))).filter((e) => e.type === 'ReplacementRequested').length;
    expect({ outcome, bGraphReplacementRequests: asked }).toEqual({ outcome: 'handled', bGraphReplacementRequests: 1 });
  });

  it('moves nothing off a cluster only cordoned (unavailable for placement, its workloads not lost)', async () => {
    await deployOnC1('c-graph', 'pc');
    await project();
    await stores.eventStore.appendToStream(clusterStream('c2'), [{ id: randomUUID(), type: 'ClusterUnavailable', data: { name: 'c1', reason: 'cordoned', lost: false } }]);
    await processor.handle((await stores.eventStore.readStream(clusterStream('c2'))).at(-1)!);
    expect((await stores.eventStore.readStream(graphStream('c-graph'))).filter((e) => e.type === 'ReplacementRequested')).toHaveLength(0);
  });
});
