import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ANY, END, type EventStore, type RecordedEvent } from '../eventstore/event-store';
import { StreamNotFoundError } from '../eventstore/errors';
import { deterministicId } from '../shared/deterministic-id';
import { UnknownEventError, type EventEnvelope, type EventGuard } from '../domain/event-schema';

/**
 * Snapshots: a cache of an aggregate's folded state, so that loading it reads a bounded number of
 * events whatever the length of its history. They go through the EventStore port (a stream
 * `snapshot-<source stream>` per aggregate, read backwards by one event), so every adapter has them,
 * EventStoreDB included. A snapshot records the evolve function's version: one written by another
 * version is ignored, and deleting every snapshot changes no answer, only the time it takes. Nor
 * does a snapshot of a deleted history: one is used only while the stream still holds the event it
 * was folded through, at the same global position (a soft delete hides that event, a recreated
 * stream numbers on after it); otherwise the fold starts again from the stream's first event.
 */

export const SNAPSHOT_CATEGORY = 'snapshot';
export const SNAPSHOT_EVENT_TYPE = 'AggregateSnapshot';

/** How an aggregate is folded and how often its state is snapshotted. */
export interface FoldSpec<E extends EventEnvelope, S> {
  evolve(state: S, event: E): S;
  /** Tells the aggregate's events from anything else read from its stream (a foreign type is an error). */
  isEvent: EventGuard<E>;
  initialState: S;
  /** Bumped whenever evolve or the state's shape changes: older snapshots are then ignored. */
  snapshotVersion: number;
}

export const DEFAULT_SNAPSHOT_EVERY = 200;
/** Events read per page while folding a long tail (memory stays bounded). */
const PAGE_SIZE = 1000;
/** ?at= reads this many events after the snapshot first: more than the default snapshot interval, so one read usually reaches the bound. */
const FIRST_AS_OF_PAGE = 256;
/** A repeated command is recognised among at least this many latest events of the stream. */
export const REPEAT_WINDOW = 100;

export interface SnapshotData<S> {
  version: number;
  /** Revision and global position of the last source event folded into `state`. */
  revision: number;
  position: number;
  /** When the store recorded that event. */
  created: string;
  state: S;
}

export interface LoadedAggregate<S> {
  state: S;
  /** Revision of the last event (-1: the stream does not exist). */
  revision: number;
  /** Global position of that event (-1: none): a later load checks the stream still holds it there. */
  position: number;
  /** The stream's latest events (REPEAT_WINDOW of them when it has that many), oldest first. */
  recent: RecordedEvent[];
  /** The revision the latest usable snapshot holds (-1: none). */
  snapshotRevision: number;
}

export function snapshotStream(streamId: string): string {
  return `${SNAPSHOT_CATEGORY}-${streamId}`;
}

/** The latest snapshot of a stream written by this evolve version, or null. */
export async function latestSnapshot<S>(store: EventStore, streamId: string, version: number): Promise<SnapshotData<S> | null> {
  const [event] = await readOrEmpty(store, snapshotStream(streamId), { direction: 'backwards', fromRevision: END, maxCount: 1 });
  const snapshot = event ? (event.data as SnapshotData<S>) : null;
  return snapshot && snapshot.version === version ? snapshot : null;
}

/**
 * Folds an aggregate from where `cached` left it (an earlier load in this process: events are
 * immutable, so it is a valid prefix while the stream still holds its last event), else from its
 * latest snapshot, and the events after that. With neither, or when the stream no longer holds
 * the event either was folded through (the stream was deleted, perhaps recreated, since), it folds
 * the whole stream, a page at a time, yielding to the event loop between pages.
 */
export async function loadAggregate<E extends EventEnvelope, S>(store: EventStore, streamId: string, spec: FoldSpec<E, S>, cached?: LoadedAggregate<S> | null): Promise<LoadedAggregate<S>> {
  if (cached && cached.revision >= 0) {
    // Read from its last event: the check that it is still there costs one event.
    const resumed = await foldForwards(store, streamId, spec, cached, cached.revision);
    if (resumed) return resumed;
  }
  const snapshot = await latestSnapshot<S>(store, streamId, spec.snapshotVersion);
  if (snapshot) {
    const start = { state: snapshot.state, revision: snapshot.revision, position: snapshot.position, recent: [], snapshotRevision: snapshot.revision };
    // Read a little before the snapshot too, so a repeated command is recognised right after one.
    const resumed = await foldForwards(store, streamId, spec, start, Math.max(0, snapshot.revision + 1 - REPEAT_WINDOW));
    if (resumed) return resumed;
  }
  return (await foldForwards(store, streamId, spec, null, 0))!;
}

/**
 * Folds the stream's events after `start` (from the initial state without one), reading from
 * revision `from` (at or before `start`). Null when the first page does not hold the event `start`
 * was folded through at its position: `start` then belongs to another history of the stream.
 */
async function foldForwards<E extends EventEnvelope, S>(
  store: EventStore,
  streamId: string,
  spec: FoldSpec<E, S>,
  start: Omit<LoadedAggregate<S>, 'recent'> & { recent: readonly RecordedEvent[] } | null,
  from: number,
): Promise<LoadedAggregate<S> | null> {
  const base = start?.revision ?? -1;
  let state = start?.state ?? spec.initialState;
  let revision = base;
  let position = start?.position ?? -1;
  let recent: RecordedEvent[] = [...(start?.recent ?? [])];
  for (let pages = 0; ; pages++) {
    if (pages > 0) await yieldToEventLoop();
    const page = await readOrEmpty(store, streamId, { fromRevision: from, maxCount: PAGE_SIZE });
    if (pages === 0 && start && !page.some((event) => event.revision === start.revision && event.position === start.position)) return null;
    for (const event of page) {
      if (event.revision > base) state = spec.evolve(state, narrowed(spec, event));
      revision = event.revision;
      position = event.position;
    }
    const known = recent.at(-1)?.revision ?? -1;
    recent = recent.concat(page.filter((event) => event.revision > known)).slice(-REPEAT_WINDOW);
    if (page.length < PAGE_SIZE) break;
    from = page[page.length - 1]!.revision + 1;
  }
  if (revision < 0) return { state: spec.initialState, revision: -1, position: -1, recent: [], snapshotRevision: -1 };
  return { state, revision, position, recent, snapshotRevision: start?.snapshotRevision ?? -1 };
}

/**
 * The latest loaded state of recently used aggregates, in this process: a load then reads only the
 * events appended since. Bounded (least recently used dropped first); losing it costs only speed.
 */
export class AggregateCache<S> {
  private readonly entries = new Map<string, LoadedAggregate<S>>();

  constructor(private readonly capacity = 256) {}

  get(streamId: string): LoadedAggregate<S> | null {
    const entry = this.entries.get(streamId);
    if (!entry) return null;
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    return entry;
  }

  set(streamId: string, loaded: LoadedAggregate<S>): void {
    const known = this.entries.get(streamId);
    // Concurrent loads: keep the one that has seen more.
    if (known && known.revision > loaded.revision) return;
    this.entries.delete(streamId);
    if (loaded.revision < 0) return;
    this.entries.set(streamId, loaded);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Appends a snapshot (its id follows from stream, revision and version: writing it twice stores it
 * once). A snapshot is a cache: failing to write one (a state over the store's append size, a busy
 * store) loses only speed.
 */
export async function writeSnapshot<S>(store: EventStore, streamId: string, data: SnapshotData<S>): Promise<void> {
  await store
    .appendToStream(
      snapshotStream(streamId),
      [{ id: deterministicId('snapshot', streamId, data.revision, data.version), type: SNAPSHOT_EVENT_TYPE, data }],
      { expectedRevision: ANY },
    )
    .catch(() => undefined);
}

/** Where a fold as of a past moment stops: events at or before a global position, or recorded at or before a time. */
export type FoldBound = { kind: 'position'; position: number } | { kind: 'time'; at: Date };

function within(bound: FoldBound, point: Pick<RecordedEvent, 'position' | 'created'>): boolean {
  return bound.kind === 'position' ? point.position <= bound.position : new Date(point.created).getTime() <= bound.at.getTime();
}

/**
 * The aggregate as it was at `bound`: from the nearest snapshot at or before it (a binary search
 * over the snapshot stream) while the stream still holds the event it was folded through, then the
 * source events after it up to the bound. Null when the stream had no event then.
 */
export async function loadAggregateAsOf<E extends EventEnvelope, S>(
  store: EventStore,
  streamId: string,
  spec: FoldSpec<E, S>,
  bound: FoldBound,
): Promise<{ state: S; revision: number; created: string; snapshotRevision: number } | null> {
  const snapshot = await nearestSnapshotBefore<S>(store, streamId, bound);
  if (snapshot && snapshot.version === spec.snapshotVersion) {
    const found = await foldAsOf(store, streamId, spec, bound, snapshot);
    if (found !== ANOTHER_HISTORY) return found;
  }
  const found = await foldAsOf(store, streamId, spec, bound, null);
  return found === ANOTHER_HISTORY ? null : found; // (without a snapshot there is no other history)
}

const ANOTHER_HISTORY = Symbol('the snapshot folds events the stream no longer holds');

async function foldAsOf<E extends EventEnvelope, S>(
  store: EventStore,
  streamId: string,
  spec: FoldSpec<E, S>,
  bound: FoldBound,
  snapshot: SnapshotData<S> | null,
): Promise<{ state: S; revision: number; created: string; snapshotRevision: number } | null | typeof ANOTHER_HISTORY> {
  const snapshotRevision = snapshot?.revision ?? -1;
  let state = snapshot?.state ?? spec.initialState;
  let last: { revision: number; created: string } | null = snapshot ? { revision: snapshot.revision, created: snapshot.created } : null;
  // From the snapshot's own event, which must still be there at its position.
  let from = snapshot?.revision ?? 0;
  for (let pages = 0; ; pages++) {
    if (pages > 0) await yieldToEventLoop();
    // The bound usually falls within a snapshot interval: a short first page reads little past it.
    const size = pages === 0 ? FIRST_AS_OF_PAGE : PAGE_SIZE;
    const page = await readOrEmpty(store, streamId, { fromRevision: from, maxCount: size });
    if (pages === 0 && snapshot && (page[0]?.revision !== snapshot.revision || page[0].position !== snapshot.position)) return ANOTHER_HISTORY;
    for (const event of page) {
      if (snapshot && event.revision <= snapshot.revision) continue;
      if (!within(bound, event)) return last ? { state, ...last, snapshotRevision } : null;
      state = spec.evolve(state, narrowed(spec, event));
      last = { revision: event.revision, created: event.created };
    }
    if (page.length < size) break;
    from = page[page.length - 1]!.revision + 1;
  }
  return last ? { state, ...last, snapshotRevision } : null;
}

/**
 * The last snapshot (in snapshot-stream order) whose source event lies within the bound. Snapshots
 * are appended as the source grows, so the search is a bisection over revisions of the snapshot
 * stream: O(log n) reads of one event each.
 */
async function nearestSnapshotBefore<S>(store: EventStore, streamId: string, bound: FoldBound): Promise<SnapshotData<S> | null> {
  const stream = snapshotStream(streamId);
  const at = async (revision: number) => {
    const [event] = await readOrEmpty(store, stream, { fromRevision: revision, maxCount: 1 });
    return event ? (event.data as SnapshotData<S>) : null;
  };
  const [newest] = await readOrEmpty(store, stream, { direction: 'backwards', fromRevision: END, maxCount: 1 });
  if (!newest) return null;
  const newestData = newest.data as SnapshotData<S>;
  if (within(bound, newestData)) return newestData;
  const [oldest] = await readOrEmpty(store, stream, { maxCount: 1 });
  if (!oldest || !within(bound, oldest.data as SnapshotData<S>)) return null;
  // Invariant: the snapshot at `low` is within the bound, the one at `high` is not.
  let low = oldest.revision;
  let high = newest.revision;
  let found = oldest.data as SnapshotData<S>;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const candidate = await at(middle);
    if (candidate && within(bound, candidate)) {
      low = middle;
      found = candidate;
    } else high = middle;
  }
  return found;
}

async function readOrEmpty(store: EventStore, streamId: string, options: Parameters<EventStore['readStream']>[1]): Promise<RecordedEvent[]> {
  try {
    return await store.readStream(streamId, options);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

function narrowed<E extends EventEnvelope, S>(spec: FoldSpec<E, S>, event: RecordedEvent): RecordedEvent & E {
  if (!spec.isEvent(event)) throw new UnknownEventError(event.streamId, event.type);
  return event;
}
