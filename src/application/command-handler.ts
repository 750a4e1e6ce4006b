import { NO_STREAM, type AppendOptions, type EventMetadata, type EventStore, type RecordedEvent } from '../eventstore/event-store';
import { StreamNotFoundError, WrongExpectedVersionError } from '../eventstore/errors';
import type { Decider } from '../domain/decider';
import { SCHEMA_VERSION, UnknownEventError, type EventEnvelope } from '../domain/event-schema';
import { deterministicId } from '../shared/deterministic-id';
import { loadAggregate, type AggregateCache, type LoadedAggregate } from './aggregate-loader';

/** Who asks, and why: carried into every event's metadata. */
export interface CommandContext {
  /** Unique per command; a repeat with the same id returns the first outcome and appends nothing. */
  commandId: string;
  correlationId: string;
  /** The event or request that caused the command. */
  causationId?: string;
  actor: string;
  now: Date;
  /** From `If-Match`: the stream revision the client saw; a mismatch fails with a conflict. */
  expectedRevision?: number;
}

export interface CommandResult<E, S> {
  events: E[];
  /** Ids of those events in the store (deterministic per command). */
  eventIds: string[];
  state: S;
  /** Stream revision after the command (-1: the stream does not exist). */
  revision: number;
  /** Global position of the last event written (or found), null when nothing was appended. */
  position: number | null;
  /** True when the command had already been handled (same commandId). */
  repeated: boolean;
}


export interface HandleOptions<S = unknown> {
  conflictRetries?: number;
  /** States loaded before in this process: a load then reads only the events appended since. */
  cache?: AggregateCache<S>;
  /** When the append is acknowledged (AppendOptions.acknowledge). */
  acknowledge?: AppendOptions['acknowledge'];
}

/**
 * Load (latest snapshot + the events after it) → decide → append with the revision read. Conflicts
 * from concurrent writers are retried (re-load and re-decide) unless the client pinned a revision
 * with If-Match. A repeated command is recognised among the stream's latest events (at least
 * REPEAT_WINDOW of them) and, when those are not the whole stream, by looking its first event id
 * up (EventStore.findEvent); the cost of a command does not grow with the age of the stream.
 */
export async function handleCommand<C, E extends EventEnvelope, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  context: CommandContext,
  options: HandleOptions<S> = {},
): Promise<CommandResult<E, S>> {
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadDecided(store, streamId, decider, options);
    const { state, revision } = loaded;
    const earlier = (await earlierEvents(store, streamId, loaded, context.commandId)).map((e) => {
      if (!decider.isEvent(e)) throw new UnknownEventError(streamId, e.type);
      return e;
    });
    if (earlier.length > 0) {
      return { events: earlier, eventIds: earlier.map((e) => e.id), state, revision, position: earlier[earlier.length - 1]!.position, repeated: true };
    }
    if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
      throw new PreconditionFailedError(streamId, context.expectedRevision, revision);
    }
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, eventIds: [], state, revision, position: null, repeated: false };
    try {
      const metadata: EventMetadata = {
        correlationId: context.correlationId,
        causationId: context.causationId ?? context.commandId,
        commandId: context.commandId,
        actor: context.actor,
        at: context.now.toISOString(),
        schemaVersion: SCHEMA_VERSION,
      };
      const eventIds = events.map((_, index) => deterministicId(context.commandId, index));
      const result = await store.appendToStream(
        streamId,
        events.map((event, index) => ({ id: eventIds[index]!, type: event.type, data: event.data, metadata })),
        { expectedRevision: revision < 0 ? NO_STREAM : revision, acknowledge: options.acknowledge },
      );
      const next = events.reduce(decider.evolve, state);
      return { events, eventIds, state: next, revision: result.nextExpectedRevision, position: result.position, repeated: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (context.expectedRevision !== undefined) throw new PreconditionFailedError(streamId, context.expectedRevision, revision + 1);
      if (attempt >= (options.conflictRetries ?? 3)) throw error;
    }
  }
}

/** Events of a command read at a time, from its first one, when it is older than the latest events loaded. */
const COMMAND_EVENTS_PAGE = 100;

/**
 * The events the command appended to the stream before (none when it did not): among the latest events
 * loaded, else, when those are not the whole stream, from its first event, found by id (the ids are
 * deterministic per command: deterministicId(commandId, index)). A command's events are appended together.
 */
async function earlierEvents(store: EventStore, streamId: string, loaded: LoadedAggregate<unknown>, commandId: string): Promise<RecordedEvent[]> {
  const recent = loaded.recent.filter((e) => e.metadata.commandId === commandId);
  // The latest events hold revisions 0 to the last: the whole stream.
  if (recent.length > 0 || loaded.recent.length > loaded.revision) return recent;
  const first = await store.findEvent(streamId, deterministicId(commandId, 0));
  if (!first || first.metadata.commandId !== commandId) return [];
  const events: RecordedEvent[] = [];
  for (let from = first.revision; ; from += COMMAND_EVENTS_PAGE) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: COMMAND_EVENTS_PAGE });
    const other = page.findIndex((e) => e.metadata.commandId !== commandId);
    events.push(...(other < 0 ? page : page.slice(0, other)));
    if (other >= 0 || page.length < COMMAND_EVENTS_PAGE) return events;
  }
}

/** The client's If-Match revision is not the stream's (HTTP 412). */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${streamId} is at revision ${actual}, not ${expected}`);
  }
}

/**
 * The aggregate from the latest state this process loaded, else its latest snapshot (when the
 * decider is versioned for snapshots), and the events after it: bounded whatever the history.
 */
export async function loadDecided<E extends EventEnvelope, S>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState' | 'snapshotVersion' | 'isEvent'>,
  options: Pick<HandleOptions<S>, 'cache'> = {},
) {
  // Without a version the aggregate has no snapshots: version -1 matches none.
  const spec = { evolve: decider.evolve, initialState: decider.initialState, snapshotVersion: decider.snapshotVersion ?? -1, isEvent: decider.isEvent };
  const loaded = await loadAggregate(store, streamId, spec, options.cache?.get(streamId));
  options.cache?.set(streamId, loaded);
  return loaded;
}

export async function readHistory(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  try {
    return await store.readStream(streamId);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

/** An aggregate's stream, each event narrowed to the aggregate's union; a foreign event type is an error, not a silent skip. */
export async function readAggregate<E extends EventEnvelope>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, E, unknown>, 'isEvent'>,
): Promise<(RecordedEvent & E)[]> {
  return (await readHistory(store, streamId)).map((event) => {
    if (!decider.isEvent(event)) throw new UnknownEventError(streamId, event.type);
    return event;
  });
}
