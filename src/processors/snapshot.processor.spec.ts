import { sqliteStores } from '../../test/support/stores';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { appendLongHistory } from '../../test/support/long-history';
import { snapshotStream, type SnapshotData } from '../application/aggregate-loader';
import { graphDecider } from '../domain/graph/decide';
import { GRAPH_CATEGORY, graphStream, type GraphEvent, type PlacementDecided } from '../domain/graph/events';
import { GRAPH_EVOLVE_VERSION, evolveGraph } from '../domain/graph/evolve';
import { initialGraphState, type GraphState } from '../domain/graph/state';
import { SnapshotProcessor } from './snapshot.processor';

const submitted = graphSubmitted('demo');
const graphId = submitted.data.graphId;
const basis = { graphId, decisionId: 'd', reason: 'first-deploy', algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs: 1, inputs: { clusters: [], services: [], previousPlacement: null }, placement: {}, imports: {}, values: {}, digests: {}, explanation: [] } as PlacementDecided['data'];
const EVERY = 50;

describe('snapshot processor', () => {
  it('snapshots a stream every N events whoever wrote them, each equal to the fold up to its revision, resuming cold from the nearest one', async () => {
    const stores = sqliteStores();
    try {
      const store = stores.eventStore;
      await store.appendToStream(graphStream(graphId), [{ id: 'submitted', type: submitted.type, data: submitted.data }]);
      await appendLongHistory(store, graphId, 600, basis);
      const events = await store.readAll({ filter: { streamCategories: [GRAPH_CATEGORY] } });
      const processor = () => new SnapshotProcessor({ eventStore: store, every: EVERY, aggregates: { [GRAPH_CATEGORY]: { ...graphDecider, snapshotVersion: GRAPH_EVOLVE_VERSION } } });
      const first = processor();
      for (const event of events.slice(0, 400)) await first.handle(event);
      // A restart: a new instance (nothing cached) carries on from the middle.
      const second = processor();
      for (const event of events.slice(400)) await second.handle(event);

      const snapshots = (await store.readStream(snapshotStream(graphStream(graphId)))).map((e) => e.data as SnapshotData<GraphState>);
      expect(snapshots.map((s) => s.revision)).toEqual(Array.from({ length: Math.floor(601 / EVERY) }, (_, i) => (i + 1) * EVERY - 1));
      for (const snapshot of snapshots) {
        const upTo = events.filter((e) => e.revision <= snapshot.revision);
        expect(snapshot.state).toEqual(upTo.reduce((s: GraphState, e) => evolveGraph(s, e as unknown as GraphEvent), initialGraphState));
        expect(snapshot).toMatchObject({ version: GRAPH_EVOLVE_VERSION, position: upTo.at(-1)!.position, created: upTo.at(-1)!.created });
      }
      // Handling an event again (at least once delivery) writes nothing new.
      await second.handle(events.at(-1)!);
      await first.handle(events[EVERY]!);
      expect(await store.readStream(snapshotStream(graphStream(graphId)))).toHaveLength(snapshots.length);
    } finally {
      await stores.dispose();
    }
  });
});
