import { sqliteStores } from '../../test/support/stores';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { appendLongHistory } from '../../test/support/long-history';
import { graphAsOf } from '../api/audit/graph-history';
import { GRAPH_CATEGORY, graphStream, type GraphEvent, type PlacementDecided } from '../domain/graph/events';
import { GRAPH_EVOLVE_VERSION, evolveGraph } from '../domain/graph/evolve';
import { initialGraphState, type GraphState } from '../domain/graph/state';
import type { EventStore, RecordedEvent } from '../eventstore/event-store';
import { eventGuard } from '../domain/event-schema';
import type { Decider } from '../domain/decider';
import { AggregateCache, REPEAT_WINDOW, SNAPSHOT_EVENT_TYPE, loadAggregate, loadAggregateAsOf, snapshotStream, writeSnapshot, type FoldSpec } from './aggregate-loader';
import { handleCommand, type CommandContext } from './command-handler';
import { GraphCommands } from './graph-commands';
import { SnapshotProcessor } from '../processors/snapshot.processor';
import { graphDecider } from '../domain/graph/decide';

const submitted = graphSubmitted('demo');
const graphId = submitted.data.graphId;
const stream = graphStream(graphId);
const placement: PlacementDecided['data'] = {
  graphId,
  decisionId: 'first',
  reason: 'first-deploy',
  algorithm: 'naive',
  solver: null,
  objective: null,
  moves: 0,
  durationMs: 1,
  inputs: { clusters: [], services: [], previousPlacement: null },
  placement: { 'noise-reduction': 'cluster-a', 'image-detection': 'cluster-a', 'image-compression-vo': 'cluster-a' },
  imports: {},
  values: {},
  digests: {},
  explanation: [],
};
const EVERY = 25;

let counter = 0;
const context = (commandId = `c-${++counter}`): CommandContext => ({ commandId, correlationId: commandId, actor: 'test', now: new Date() });

const fold = (events: readonly RecordedEvent[]) => events.reduce((s: GraphState, e) => evolveGraph(s, e as unknown as GraphEvent), initialGraphState);

/** Counts the events every readStream returns: what a load costs. */
function counting(store: EventStore) {
  const counter = { events: 0 };
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'readStream') {
        return async (...args: Parameters<EventStore['readStream']>) => {
          const events = await target.readStream(...args);
          counter.events += events.length;
          return events;
        };
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, counter };
}

describe('snapshots: a cache of folded state, read through the event store port', () => {
  let stores: ReturnType<typeof sqliteStores>;
  let graphs: GraphCommands;

  beforeEach(async () => {
    stores = sqliteStores();
    graphs = new GraphCommands(stores.eventStore);
    await graphs.execute({ type: 'SubmitGraph', data: submitted.data }, context());
    await graphs.execute({ type: 'RecordPlacement', data: placement }, context());
    // A long history written behind SMO's back, then snapshotted by the processor as SMO would.
    await appendLongHistory(stores.eventStore, graphId, 740, placement);
    const snapshots = new SnapshotProcessor({ eventStore: stores.eventStore, every: EVERY, aggregates: { [GRAPH_CATEGORY]: { ...graphDecider, snapshotVersion: GRAPH_EVOLVE_VERSION } } });
    for (const event of await stores.eventStore.readAll({ filter: snapshots.filter })) await snapshots.handle(event);
    await stores.eventStore.drain();
  });

  /** A fresh instance: nothing cached, so it starts from the snapshots. */
  const cold = (store: EventStore = stores.eventStore) => new GraphCommands(store, {});

  afterEach(() => stores.dispose());

  const everything = () => stores.eventStore.readStream(stream);

  it('loads the same state and revision as a fold of the whole stream, reading a bounded number of events', async () => {
    const events = await everything();
    expect(events.length).toBeGreaterThan(700);
    expect((await stores.eventStore.readStream(snapshotStream(stream))).length).toBeGreaterThan(10);
    const { store, counter } = counting(stores.eventStore);
    const loaded = await cold(store).load(graphId);
    expect(loaded).toEqual({ state: fold(events), revision: events.at(-1)!.revision });
    // One snapshot, then at most the events after it and the repeat window before it.
    expect(counter.events).toBeLessThanOrEqual(1 + EVERY + REPEAT_WINDOW);
  });

  it('a later load in the same process reads only the events appended since', async () => {
    const { store, counter } = counting(stores.eventStore);
    const warm = new GraphCommands(store);
    await warm.load(graphId);
    await appendLongHistory(stores.eventStore, graphId, 5, placement, { firstIndex: 5000 });
    counter.events = 0;
    const loaded = await warm.load(graphId);
    // The last event it had folded (still there, at the same position: the stream was not deleted since), and the 5 new ones.
    expect(counter.events).toBe(1 + 5);
    expect(loaded.state).toEqual(fold(await everything()));
  });

  it('gives the same answers with every snapshot deleted', async () => {
    const events = await everything();
    const withSnapshots = await cold().load(graphId);
    const positions = events.filter((_, i) => i % 13 === 0).map((e) => e.position);
    const asOfWith = await Promise.all(positions.map((position) => graphAsOf(stores.eventStore, graphId, { kind: 'position', position })));

    await stores.eventStore.deleteStream(snapshotStream(stream));
    expect(await cold().load(graphId)).toEqual(withSnapshots);
    const asOfWithout = await Promise.all(positions.map((position) => graphAsOf(stores.eventStore, graphId, { kind: 'position', position })));
    expect(asOfWithout).toEqual(asOfWith);
    // And both are the fold of the events up to each position.
    positions.forEach((position, i) => {
      const upTo = events.filter((e) => e.position <= position);
      expect(asOfWith[i]).toMatchObject({ revision: upTo.at(-1)!.revision, state: fold(upTo) });
    });
  });

  it('ignores a snapshot written by another version of evolve', async () => {
    const events = await everything();
    const last = events.at(-1)!;
    const bogus = (version: number) => ({
      id: `bogus-${version}`,
      type: SNAPSHOT_EVENT_TYPE,
      data: { version, revision: last.revision, position: last.position, created: last.created, state: { ...fold(events), status: 'Stopped' } },
    });
    await stores.eventStore.appendToStream(snapshotStream(stream), [bogus(GRAPH_EVOLVE_VERSION - 1)]);
    expect((await cold().load(graphId)).state).toEqual(fold(events));
    // The same snapshot stamped with the current version is believed: the version is what protects the answer.
    await stores.eventStore.appendToStream(snapshotStream(stream), [bogus(GRAPH_EVOLVE_VERSION)]);
    expect((await cold().load(graphId)).state).toMatchObject({ status: 'Stopped' });
  });

  it('ignores a snapshot evolve version 10 wrote, before graphs counted their submissions', async () => {
    const events = await everything();
    const last = events.at(-1)!;
    const { submission: _absent, ...before } = fold(events) as ReturnType<typeof fold> & { submission?: number };
    const written = { version: 10, revision: last.revision, position: last.position, created: last.created, state: before };
    await stores.eventStore.appendToStream(snapshotStream(stream), [{ id: 'evolve-10', type: SNAPSHOT_EVENT_TYPE, data: written }]);
    // Believed, it would give a graph without a submission number (its dashboards' owner tag read "…_NaN" after the next submission).
    expect((await cold().load(graphId)).state).toMatchObject({ submission: 1 });
  });

  it('runs commands from the snapshot: the outcome equals the full fold, and a repeated command is recognised', async () => {
    const stop = context('stop-once');
    const first = await graphs.execute({ type: 'StopGraph', data: { graphId } }, stop);
    const events = await everything();
    expect(first.state).toEqual(fold(events));
    expect(first.events).toEqual([{ type: 'GraphStopped', data: { graphId } }]);
    await appendLongHistory(stores.eventStore, graphId, REPEAT_WINDOW - 10, placement, { firstIndex: 10_000 });
    const again = await cold().execute({ type: 'StopGraph', data: { graphId } }, stop);
    expect(again).toMatchObject({ repeated: true, eventIds: first.eventIds });
    expect((await everything()).filter((e) => e.type === 'GraphStopped')).toHaveLength(1);
  });
});

/** A counter aggregate: each Add command appends one Added event; the state is the sum. */
type Added = { type: 'Added'; data: { n: number } };
const summing: Decider<{ n: number }, Added, number> & { snapshotVersion: number } = {
  decide: (command) => [{ type: 'Added', data: { n: command.n } }],
  evolve: (sum, event) => sum + event.data.n,
  initialState: 0,
  isEvent: eventGuard<Added>({ Added: true }),
  snapshotVersion: 1,
};
const sumSpec: FoldSpec<Added, number> = { ...summing };

describe('snapshots and cached states of a soft-deleted stream (they are a cache of what readStream shows)', () => {
  let stores: ReturnType<typeof sqliteStores>;
  const counterStream = 'counter-1';
  let lastOld: RecordedEvent;
  beforeEach(async () => {
    stores = sqliteStores();
    // 10 events of +1 (sum 10), a snapshot at revision 9, as SnapshotProcessor writes them.
    for (let i = 0; i < 10; i++) await handleCommand(stores.eventStore, counterStream, summing, { n: 1 }, context(`old-${i}`));
    [lastOld] = (await stores.eventStore.readStream(counterStream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 })) as [RecordedEvent];
    await writeSnapshot(stores.eventStore, counterStream, { version: 1, revision: 9, position: lastOld.position, created: lastOld.created, state: 10 });
  });
  afterEach(() => stores.dispose());

  it('a deleted stream loads as absent, not as the snapshot of its deleted history', async () => {
    await stores.eventStore.deleteStream(counterStream);
    await expect(stores.eventStore.readStream(counterStream)).rejects.toMatchObject({ name: 'StreamNotFoundError' });
    const loaded = await loadAggregate(stores.eventStore, counterStream, sumSpec);
    expect({ state: loaded.state, revision: loaded.revision }).toEqual({ state: 0, revision: -1 });
  });

  it('a command can create the stream again after it was deleted', async () => {
    await stores.eventStore.deleteStream(counterStream);
    const result = await handleCommand(stores.eventStore, counterStream, summing, { n: 5 }, context('new-0'));
    expect(result.state).toBe(5);
  });

  it('a stream recreated after its deletion folds only its new events, cold and from a cached state', async () => {
    const cache = new AggregateCache<number>();
    cache.set(counterStream, await loadAggregate(stores.eventStore, counterStream, sumSpec));
    await stores.eventStore.deleteStream(counterStream);
    await stores.eventStore.appendToStream(counterStream, [{ id: 'new-a', type: 'Added', data: { n: 5 } }], { expectedRevision: 'no_stream' });
    const visible = await stores.eventStore.readStream(counterStream);
    expect(visible.map((e) => e.data)).toEqual([{ n: 5 }]);
    const loaded = await loadAggregate(stores.eventStore, counterStream, sumSpec);
    expect({ state: loaded.state, revision: loaded.revision, snapshotRevision: loaded.snapshotRevision }).toEqual({ state: 5, revision: 10, snapshotRevision: -1 });
    expect((await loadAggregate(stores.eventStore, counterStream, sumSpec, cache.get(counterStream))).state).toBe(5);
  });

  it('a snapshot ahead of the stream (or of an event not in it) is ignored', async () => {
    await writeSnapshot(stores.eventStore, counterStream, { version: 1, revision: 20, position: lastOld.position + 100, created: lastOld.created, state: 99 });
    expect((await loadAggregate(stores.eventStore, counterStream, sumSpec)).state).toBe(10);
    const elsewhere = { version: 1, revision: 9, position: lastOld.position + 1, created: lastOld.created, state: 98 };
    await stores.eventStore.appendToStream(snapshotStream(counterStream), [{ id: 'elsewhere', type: SNAPSHOT_EVENT_TYPE, data: elsewhere }]);
    expect((await loadAggregate(stores.eventStore, counterStream, sumSpec)).state).toBe(10);
  });

  it('a load as of a moment ignores a snapshot of the deleted history: the answer is the fold of what readStream shows', async () => {
    await stores.eventStore.deleteStream(counterStream);
    await stores.eventStore.appendToStream(counterStream, [{ id: 'new-a', type: 'Added', data: { n: 5 } }], { expectedRevision: 'no_stream' });
    const [recreated] = await stores.eventStore.readStream(counterStream);
    expect(await loadAggregateAsOf(stores.eventStore, counterStream, sumSpec, { kind: 'position', position: lastOld.position })).toBeNull();
    expect(await loadAggregateAsOf(stores.eventStore, counterStream, sumSpec, { kind: 'position', position: recreated!.position })).toMatchObject({ state: 5, revision: 10, snapshotRevision: -1 });
  });
});
