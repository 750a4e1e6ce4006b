import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ANY, END, type EventStore, type RecordedEvent } from '../eventstore/event-store';
import { StreamNotFoundError } from '../eventstore/errors';
import { deterministicId } from '../shared/deterministic-id';

/**
 * Snapshots: a cache of an aggregate's folded state, so that loading it reads a bounded number of
 * events whatever the length of its history. They go through the EventStore port (a stream
 * `snapshot-<source stream>` per aggregate, read backwards by one event), so every adapter has them,
 * EventStoreDB included. A snapshot records the evolve function's version: one written by another
 * version is ignored, and deleting every snapshot changes no answer, only the time it takes.
 */

export const SNAPSHOT_CATEGORY = 'snapshot';
export const SNAPSHOT_EVENT_TYPE = 'AggregateSnapshot';

/** How an aggregate is folded and how often its state is snapshotted. */
export interface FoldSpec<E, S> {
  evolve(state: S, event: E): S;
  initialState: S;
  /** Bumped whenever evolve or the state's shape changes: older snapshots are then ignored. */
  snapshotVersion: number;
}

export interface SnapshotOptions {
  /** A snapshot is written once this many events were folded after the latest one (0: never). */
  every: number;
}

export const DEFAULT_SNAPSHOT_EVERY = 200;
/** Events read per page while folding a long tail (memory stays bounded). */
const PAGE_SIZE = 1000;
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
  /** The latest events read (at least REPEAT_WINDOW of them when the stream has that many), oldest first. */
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
 * Folds an aggregate from its latest snapshot and the events after it. With no usable snapshot it
 * folds the whole stream, a page at a time, yielding to the event loop between pages.
 */
export async function loadAggregate<E, S>(store: EventStore, streamId: string, spec: FoldSpec<E, S>): Promise<LoadedAggregate<S>> {
  const snapshot = await latestSnapshot<S>(store, streamId, spec.snapshotVersion);
  const base = snapshot?.revision ?? -1;
  let state = snapshot?.state ?? spec.initialState;
  let revision = base;
  let recent: RecordedEvent[] = [];
  // Read a little before the snapshot too, so a repeated command is recognised right after one.
  let from = Math.max(0, base + 1 - REPEAT_WINDOW);
  for (let pages = 0; ; pages++) {
    if (pages > 0) await yieldToEventLoop();
    const page = await readOrEmpty(store, streamId, { fromRevision: from, maxCount: PAGE_SIZE });
    for (const event of page) {
      if (event.revision > base) state = spec.evolve(state, event as unknown as E);
      revision = event.revision;
    }
    recent = recent.concat(page).slice(-Math.max(REPEAT_WINDOW, Math.min(revision - base, PAGE_SIZE)));
    if (page.length < PAGE_SIZE) break;
    from = page[page.length - 1]!.revision + 1;
  }
  if (revision < 0) return { state: spec.initialState, revision: -1, recent: [], snapshotRevision: -1 };
  return { state, revision, recent, snapshotRevision: base };
}

/**
 * Writes a snapshot when enough events were folded since the last one. A snapshot is a cache:
 * failing to write one (a state over the store's append size, a busy store) loses only speed.
 */
export async function snapshotIfDue<S>(store: EventStore, streamId: string, snapshotVersion: number, options: SnapshotOptions, loaded: LoadedAggregate<S>): Promise<void> {
  const last = loaded.recent.at(-1);
  if (options.every <= 0 || !last || loaded.revision - loaded.snapshotRevision < options.every) return;
  await writeSnapshot(store, streamId, { version: snapshotVersion, revision: last.revision, position: last.position, created: last.created, state: loaded.state });
}

/** Appends a snapshot (its id follows from stream, revision and version: writing it twice stores it once). */
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
 * over the snapshot stream), then the source events after it up to the bound. Null when the
 * stream had no event then.
 */
export async function loadAggregateAsOf<E, S>(
  store: EventStore,
  streamId: string,
  spec: FoldSpec<E, S>,
  bound: FoldBound,
): Promise<{ state: S; revision: number; created: string; snapshotRevision: number } | null> {
  const snapshot = await nearestSnapshotBefore<S>(store, streamId, bound);
  const usable = snapshot && snapshot.version === spec.snapshotVersion ? snapshot : null;
  const snapshotRevision = usable?.revision ?? -1;
  let state = usable?.state ?? spec.initialState;
  let last: { revision: number; created: string } | null = usable ? { revision: usable.revision, created: usable.created } : null;
  let from = (usable?.revision ?? -1) + 1;
  for (let pages = 0; ; pages++) {
    if (pages > 0) await yieldToEventLoop();
    const page = await readOrEmpty(store, streamId, { fromRevision: from, maxCount: PAGE_SIZE });
    for (const event of page) {
      if (!within(bound, event)) return last ? { state, ...last, snapshotRevision } : null;
      state = spec.evolve(state, event as unknown as E);
      last = { revision: event.revision, created: event.created };
    }
    if (page.length < PAGE_SIZE) break;
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
