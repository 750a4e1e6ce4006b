import { sqliteStores } from '../../test/support/stores';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { appendLongHistory } from '../../test/support/long-history';
import { loadAggregate, snapshotStream, type FoldSpec, type SnapshotData } from '../application/aggregate-loader';
import { eventGuard } from '../domain/event-schema';
import { ReleaseNames } from '../application/release-names';
import { RELEASE_NAMES_EVOLVE_VERSION, currentClaims, evolveReleaseNames, initialReleaseNamesState, releaseNamesDecider } from '../domain/release-names/decide';
import { RELEASE_NAMES_CATEGORY, releaseNamesStream, type ReleaseNamesEvent } from '../domain/release-names/events';
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

describe('snapshots of a project’s release-name reservations', () => {
  it('a cold load starts from the latest snapshot and finds the state a full fold gives', async () => {
    const stores = sqliteStores();
    try {
      const store = stores.eventStore;
      const names = new ReleaseNames(store, async () => ({ state: initialGraphState }));
      const context = (i: number, step: string) => ({ commandId: `${step}-${i}`, correlationId: `c-${i}`, actor: 'test', now: new Date(Date.UTC(2026, 0, 1, 0, i)) });
      for (let i = 0; i < 60; i++) {
        await names.reserve('demo', `graph-${i}`, [`service-${i}`, 'shared-name'].slice(0, i % 3 === 0 ? 2 : 1), context(i, 'reserve'));
        if (i % 4 === 1) await names.release('demo', `graph-${i}`, context(i, 'release'));
      }
      const spec = { ...releaseNamesDecider, snapshotVersion: RELEASE_NAMES_EVOLVE_VERSION };
      const processor = new SnapshotProcessor({ eventStore: store, every: 10, aggregates: { [RELEASE_NAMES_CATEGORY]: spec } });
      const events = await store.readAll({ filter: { streamCategories: [RELEASE_NAMES_CATEGORY] } });
      for (const event of events) await processor.handle(event);

      const cold = await loadAggregate(store, releaseNamesStream('demo'), spec);
      const fullFold = events.reduce((state, event) => evolveReleaseNames(state, event as unknown as ReleaseNamesEvent), initialReleaseNamesState);
      expect(cold.snapshotRevision).toBe(Math.floor(events.length / 10) * 10 - 1);
      expect(cold.state).toEqual(fullFold);
      expect(currentClaims(cold.state)).toEqual(currentClaims((await new ReleaseNames(store, async () => ({ state: initialGraphState })).load('demo')).state));
    } finally {
      await stores.dispose();
    }
  });
});

describe('snapshots of a stream deleted and recreated while the processor folds it', () => {
  type Added = { type: 'Added'; data: { n: number } };
  const summing: FoldSpec<Added, number> = { evolve: (sum, event) => sum + event.data.n, initialState: 0, isEvent: eventGuard<Added>({ Added: true }), snapshotVersion: 1 };
  const added = (id: string, n = 1) => ({ id, type: 'Added', data: { n } });

  it('folds only what the stream holds: no snapshot carries the deleted history into the recreated stream', async () => {
    const stores = sqliteStores();
    try {
      const store = stores.eventStore;
      const processor = new SnapshotProcessor({ eventStore: store, every: 5, aggregates: { counter: summing as FoldSpec<never, unknown> } });
      const handleNew = async (from: number) => {
        for (const event of await store.readAll({ fromPosition: from, filter: processor.filter })) if (event.position >= from) await processor.handle(event);
      };
      await store.appendToStream('counter-1', Array.from({ length: 7 }, (_, i) => added(`old-${i}`, 100)));
      await handleNew(0);
      const head = (await store.headPosition())!;
      await store.deleteStream('counter-1');
      await store.appendToStream('counter-1', Array.from({ length: 8 }, (_, i) => added(`new-${i}`)), { expectedRevision: 'no_stream' });
      await handleNew(head + 1);

      const visible = await store.readStream('counter-1');
      const snapshots = (await store.readStream(snapshotStream('counter-1'))).map((e) => e.data as SnapshotData<number>);
      expect(snapshots.map((s) => s.revision)).toEqual([4, 9, 14]);
      for (const snapshot of snapshots.filter((s) => s.revision >= visible[0]!.revision)) {
        expect(snapshot.state).toBe(visible.filter((e) => e.revision <= snapshot.revision).length);
      }
      expect((await loadAggregate(store, 'counter-1', summing)).state).toBe(8);
    } finally {
      await stores.dispose();
    }
  });
});
