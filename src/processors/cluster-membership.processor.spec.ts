import { randomUUID } from 'node:crypto';
import { GraphCommands } from '../application/graph-commands';
import type { CommandContext } from '../application/command-handler';
import { clusterStream } from '../domain/cluster/events';
import { graphStream } from '../domain/graph/events';
import { graphsProjection } from '../../projections/graphs.projection';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { sqliteStores } from '../../test/support/stores';
import { ClusterMembershipProcessor } from './cluster-membership.processor';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { GraphCommand } from '../domain/graph/commands';
import type { RecordedEvent } from '../eventstore/event-store';
import type { GraphDocument } from '../../projections/graphs.projection';

/** Two graphs on c1; the graphs read model lags the write model by one removal (as under load or during a projection takeover). */
describe('ClusterMembershipProcessor: the graphs read model lags a removal', () => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const processor = new ClusterMembershipProcessor({ readStore: stores.readStore, dispatch: (command, context) => graphs.execute(command, context) });
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

describe('ClusterMembershipProcessor: a cluster that joins', () => {
  const failed = { detail: 'no room', bindingResource: 'cpu' };
  const graphDoc = (name: string, awaitsCluster: boolean, approved: boolean) =>
    ({ name, awaitsCluster, state: { graphId: name, status: 'Running', removed: false, placementFailure: failed, normalised: { useStaticPlacement: false }, provisioningProposals: approved ? [{ status: 'approved' }] : [] } }) as unknown as GraphDocument;
  const joined = { id: 'e1', type: 'ClusterRegistered', streamId: 'cluster-c9', data: { name: 'c9' }, position: 5000, revision: 0, created: '2026-12-05T00:00:00.000Z', metadata: {} } as unknown as RecordedEvent;

  it('asks to place every graph waiting for a cluster, wherever it sorts among many graphs that do not wait', async () => {
    const store = new MemoryReadStore();
    const others = Array.from({ length: 1500 }, (_, i) => ({ kind: 'upsert' as const, collection: 'graphs', id: `a${String(i).padStart(4, '0')}`, doc: graphDoc(`a${String(i).padStart(4, '0')}`, false, false), position: i + 1 }));
    await store.commit([
      ...others,
      { kind: 'upsert', collection: 'graphs', id: 'zz-approved', doc: graphDoc('zz-approved', true, true), position: 1501 },
      { kind: 'upsert', collection: 'graphs', id: 'zz-failed', doc: graphDoc('zz-failed', true, false), position: 1502 },
    ]);
    const dispatched: GraphCommand[] = [];
    const processor = new ClusterMembershipProcessor({ readStore: store, dispatch: async (command) => dispatched.push(command) });
    await processor.handle(joined);
    expect(dispatched.map((command) => ('data' in command ? command.data : command))).toEqual([
      expect.objectContaining({ graphId: 'zz-approved', reason: 'retry', requestId: 'e1', detail: 'cluster c9 joined after an approved cluster provisioning' }),
      expect.objectContaining({ graphId: 'zz-failed', reason: 'retry', requestId: 'e1', detail: "cluster c9 joined and the graph's latest placement had failed" }),
    ]);
  });
});
