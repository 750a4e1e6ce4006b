import { AggregateCache, DEFAULT_SNAPSHOT_EVERY, loadAggregate, writeSnapshot, type FoldSpec, type LoadedAggregate } from '../application/aggregate-loader';
import { eventGuard } from '../domain/event-schema';
import { WrongExpectedVersionError } from '../eventstore/errors';
import { NO_STREAM, type EventMetadata, type EventStore, type NewEvent, type RecordedEvent } from '../eventstore/event-store';
import { deterministicId } from '../shared/deterministic-id';

export const EVENT_PARKED = 'EventParked';
/** A re-drive of a parked event failed again: it stays parked, with this attempt's error. */
export const PARKED_EVENT_RETRY_FAILED = 'ParkedEventRetryFailed';
/**
 * A parked event was handled by a re-drive, discarded by an operator, or superseded (a later event of its stream was
 * handled by a processor that brings the whole stream up to date): it is parked no more.
 */
export const PARKED_EVENT_RESOLVED = 'ParkedEventResolved';

export interface EventParked {
  runner: string;
  eventId: string;
  eventType: string;
  streamId: string;
  position: number;
  attempts: number;
  error: string;
}

export interface ParkedEventRetryFailed {
  runner: string;
  eventId: string;
  /** Attempts of this re-drive. */
  attempts: number;
  error: string;
}

export interface ParkedEventResolved {
  runner: string;
  eventId: string;
  resolution: 'handled' | 'discarded' | 'superseded';
  /** Attempts of the re-drive that handled it (handled only). */
  attempts?: number;
  /** The later event of its stream whose handling did what it was parked for (superseded only). */
  supersededBy?: string;
  /** Who discarded it, and why (discarded only). */
  by?: string;
  reason?: string;
}

type ParkingEvent = (
  | { type: typeof EVENT_PARKED; data: EventParked }
  | { type: typeof PARKED_EVENT_RETRY_FAILED; data: ParkedEventRetryFailed }
  | { type: typeof PARKED_EVENT_RESOLVED; data: ParkedEventResolved }
) & { created: string; revision: number };

/**
 * A parked event not resolved yet, as the admin API shows it: what EventParked recorded, `attempts`
 * counting every attempt so far (the live loop's, then each re-drive's) and `error` the last one's.
 */
export interface ParkedEntry extends Omit<EventParked, 'runner'> {
  parkedAt: string;
  /** When a re-drive last failed. */
  lastRetryAt?: string;
  /** The revision of the EventParked that opened this entry (a resolution's id follows from it). */
  parkedRevision: number;
}

export interface ParkedState {
  /** By event id. */
  unresolved: Record<string, ParkedEntry>;
}

/** Errors are kept this long in the folded state (the events keep them whole). */
const MAX_ERROR_LENGTH = 1000;

/** Bumped whenever `evolveParked` or ParkedState changes: older snapshots are then ignored. */
export const PARKED_EVOLVE_VERSION = 1;

function evolveParked(state: ParkedState, event: ParkingEvent): ParkedState {
  const known = state.unresolved[event.data.eventId];
  switch (event.type) {
    case EVENT_PARKED: {
      const { eventId, eventType, streamId, position, attempts, error } = event.data;
      const entry: ParkedEntry = known
        ? { ...known, attempts: known.attempts + attempts, error: clip(error) }
        : { eventId, eventType, streamId, position, attempts, error: clip(error), parkedAt: event.created, parkedRevision: event.revision };
      return { unresolved: { ...state.unresolved, [eventId]: entry } };
    }
    case PARKED_EVENT_RETRY_FAILED:
      if (!known) return state;
      return { unresolved: { ...state.unresolved, [known.eventId]: { ...known, attempts: known.attempts + event.data.attempts, error: clip(event.data.error), lastRetryAt: event.created } } };
    case PARKED_EVENT_RESOLVED: {
      if (!known) return state;
      const { [known.eventId]: _resolved, ...rest } = state.unresolved;
      return { unresolved: rest };
    }
  }
}

const parkedSpec: FoldSpec<ParkingEvent, ParkedState> = {
  evolve: evolveParked,
  isEvent: eventGuard<ParkingEvent>({ [EVENT_PARKED]: true, [PARKED_EVENT_RETRY_FAILED]: true, [PARKED_EVENT_RESOLVED]: true }),
  initialState: { unresolved: {} },
  snapshotVersion: PARKED_EVOLVE_VERSION,
};

export function parkedStream(runner: string): string {
  return `parked-${runner}`;
}

/**
 * The parked events of each runner, durably: folded from its `parked-<runner>` stream (EventParked,
 * ParkedEventRetryFailed, ParkedEventResolved) with the aggregate loader, so a read costs the events
 * since the last one this process saw (or since the latest snapshot, written every `snapshotEvery`
 * events) whatever the history. The state holds only the unresolved events. Appends use the stream's
 * revision (optimistic concurrency), so two instances, or the live loop and a re-drive, never record
 * the same event's park or resolution twice.
 */
export class ParkedEvents {
  private readonly cache = new AggregateCache<ParkedState>(128);
  /** The last count read per runner, answered while the store cannot be read. */
  private readonly lastCounts = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly snapshotEvery = DEFAULT_SNAPSHOT_EVERY,
  ) {}

  /** The unresolved parked events of a runner, in `$all` order. */
  async unresolved(runner: string): Promise<ParkedEntry[]> {
    const { state } = await this.load(runner);
    return Object.values(state.unresolved).sort((a, b) => a.position - b.position);
  }

  async find(runner: string, eventId: string): Promise<ParkedEntry | null> {
    return (await this.load(runner)).state.unresolved[eventId] ?? null;
  }

  /** How many parked events are unresolved; the last count read when the store cannot answer. */
  async count(runner: string): Promise<number> {
    try {
      return Object.keys((await this.load(runner)).state.unresolved).length;
    } catch {
      return this.lastCounts.get(runner) ?? 0;
    }
  }

  /**
   * Records an event the runner could not handle after its retries. An event still parked (handled
   * again after a crash, before its checkpoint moved) is not recorded twice.
   */
  async park(runner: string, event: RecordedEvent, error: unknown, attempts: number): Promise<void> {
    await this.append(runner, (state, revision) => {
      if (state.unresolved[event.id]) return null;
      const data: EventParked = { runner, eventId: event.id, eventType: event.type, streamId: event.streamId, position: event.position, attempts, error: describeError(error) };
      return { id: deterministicId('parked', runner, event.id, revision + 1), type: EVENT_PARKED, data, metadata: { causationId: event.id, ...correlationOf(event.metadata) } };
    });
  }

  /** A re-drive failed again: the event stays parked with this error. */
  async retryFailed(runner: string, eventId: string, error: unknown, attempts: number, metadata: EventMetadata = {}): Promise<void> {
    await this.append(runner, (state, revision) => {
      if (!state.unresolved[eventId]) return null;
      const data: ParkedEventRetryFailed = { runner, eventId, attempts, error: describeError(error) };
      return { id: deterministicId('parked-retry-failed', runner, eventId, revision + 1), type: PARKED_EVENT_RETRY_FAILED, data, metadata: { causationId: eventId, ...metadata } };
    });
  }

  /** Resolves a parked event (handled, or discarded by an operator); false when it was not parked (any more). */
  async resolve(runner: string, eventId: string, resolution: Omit<ParkedEventResolved, 'runner' | 'eventId'>, metadata: EventMetadata = {}): Promise<boolean> {
    return this.append(runner, (state) => {
      const entry = state.unresolved[eventId];
      if (!entry) return null;
      const data: ParkedEventResolved = { runner, eventId, ...resolution };
      return { id: deterministicId('parked-resolved', runner, eventId, entry.parkedRevision), type: PARKED_EVENT_RESOLVED, data, metadata: { causationId: eventId, ...metadata } };
    });
  }

  /**
   * Resolves as superseded the runner's parked events of `event`'s stream that came before it and that `supersedes`
   * confirms (see Processor.supersedesParked), once `event` was handled; answers the ids resolved. No read of the store
   * while the runner's last count read was 0: parking goes through this instance, which counts anew.
   */
  async supersede(runner: string, event: Pick<RecordedEvent, 'id' | 'streamId' | 'position'>, supersedes: (parked: ParkedEntry) => Promise<boolean>): Promise<string[]> {
    if (this.lastCounts.get(runner) === 0) return [];
    const earlier = (await this.unresolved(runner)).filter((entry) => entry.streamId === event.streamId && entry.position < event.position);
    const resolved: string[] = [];
    for (const entry of earlier) {
      if (!(await supersedes(entry))) continue;
      if (await this.resolve(runner, entry.eventId, { resolution: 'superseded', supersededBy: event.id }, { causationId: event.id })) resolved.push(entry.eventId);
    }
    return resolved;
  }

  private async load(runner: string): Promise<LoadedAggregate<ParkedState>> {
    const stream = parkedStream(runner);
    const loaded = await loadAggregate(this.store, stream, parkedSpec, this.cache.get(stream));
    if (loaded.revision - loaded.snapshotRevision >= this.snapshotEvery) {
      const last = loaded.recent.at(-1);
      if (last) {
        await writeSnapshot(this.store, stream, { version: PARKED_EVOLVE_VERSION, revision: last.revision, position: last.position, created: last.created, state: loaded.state });
        loaded.snapshotRevision = last.revision;
      }
    }
    this.cache.set(stream, loaded);
    this.lastCounts.set(runner, Object.keys(loaded.state.unresolved).length);
    return loaded;
  }

  /** Appends what `decide` makes of the current state (nothing when it answers null), at the revision read; reloads on a concurrent append. */
  private async append(runner: string, decide: (state: ParkedState, revision: number) => NewEvent | null): Promise<boolean> {
    for (let conflicts = 0; ; conflicts++) {
      const loaded = await this.load(runner);
      const event = decide(loaded.state, loaded.revision);
      if (!event) return false;
      try {
        await this.store.appendToStream(parkedStream(runner), [event], { expectedRevision: loaded.revision < 0 ? NO_STREAM : loaded.revision });
        await this.load(runner);
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || conflicts >= 10) throw error;
      }
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function clip(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function correlationOf(metadata: EventMetadata): EventMetadata {
  return metadata.correlationId ? { correlationId: metadata.correlationId } : {};
}
