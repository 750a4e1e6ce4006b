import {
  ANY as ESDB_ANY,
  BACKWARDS,
  CancelledError as EsdbCancelledError,
  END as ESDB_END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError as EsdbMaxAppendSizeExceededError,
  NO_STREAM as ESDB_NO_STREAM,
  START as ESDB_START,
  STREAM_EXISTS as ESDB_STREAM_EXISTS,
  StreamNotFoundError as EsdbStreamNotFoundError,
  UnavailableError as EsdbUnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  binaryEvent,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Filter,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { serializeBatch } from './append-rules';
import {
  ANY,
  DEFAULT_MAX_APPEND_SIZE,
  NO_STREAM,
  STREAM_EXISTS,
  matchesFilter,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
  type SubscriptionMessage,
} from './event-store';
import { deterministicId } from '../shared/deterministic-id';
import { decodeRecordedEvent } from './decode';
import { EventStoreUnavailableError, MaxAppendSizeExceededError, StreamNotFoundError, WrongExpectedVersionError } from './errors';
import { redactUserinfo } from '../shared/redact-userinfo';

/**
 * Production adapter over `@eventstore/db-client`. Positions are the commit positions of `$all`
 * (a greenfield store has no explicit transactions, so prepare == commit). Metadata keys
 * correlationId/causationId are also written as `$correlationId`/`$causationId` so the server's
 * `$by_correlation_id` projection sees them. The first event of each append carrying a commandId is
 * linked from a stream of its own (`eventid-<event id>`, see findEvent): the server has no lookup by id.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly adapter = 'eventstoredb';
  private readonly client: EventStoreDBClient;

  constructor(
    connectionString: string,
    private readonly options: { maxAppendSize?: number } = {},
  ) {
    this.client = clientOf(connectionString);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const serialized = serializeBatch(streamId, events, this.options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE);
    const expected = options.expectedRevision ?? ANY;
    // A command's first event is linked before the append where its revision is known (an exact expected
    // revision, or a new stream), so an event written always has its link; a link to a revision the
    // append did not get (a conflict) points at another event, or none, and findEvent passes it by.
    const indexed = events[0]?.metadata?.commandId !== undefined ? events[0].id : undefined;
    const planned = indexed === undefined ? undefined : expected === NO_STREAM ? 0 : typeof expected === 'number' ? expected + 1 : undefined;
    if (indexed !== undefined && planned !== undefined) await this.linkEvent(indexed, streamId, planned);
    const result = await this.append(streamId, serialized, expected);
    const first = result.nextExpectedRevision - events.length + 1;
    if (indexed !== undefined && first !== planned) await this.linkEvent(indexed, streamId, first);
    return result;
  }

  /**
   * The event with this id in the stream: through the links of `eventid-<id>` (the first events of appends
   * carrying a commandId; see appendToStream), the latest first, and only one the stream still shows.
   */
  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | null> {
    let linked: RecordedEvent | null = null;
    try {
      const reading = this.client.readStream(eventIndexStream(eventId), { direction: BACKWARDS, fromRevision: ESDB_END, maxCount: EVENT_INDEX_LINKS, resolveLinkTos: true });
      await readThrough(reading, (resolved) => {
        const event = toRecorded(resolved);
        if (event?.id !== eventId || event.streamId !== streamId) return 'more';
        linked = event;
        return 'enough';
      });
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) return null;
      throw unreachable(error);
    }
    const found = linked as RecordedEvent | null;
    if (!found) return null;
    // A link resolves to an event of a deleted stream too: the stream must still show it.
    const [shown] = await this.readStream(streamId, { fromRevision: found.revision, maxCount: 1 }).catch((error: unknown) => {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    });
    return shown?.id === eventId ? shown : null;
  }

  /** A `$>` link to the event at `revision` of the stream, in the event id's index stream (written once per target). */
  private async linkEvent(eventId: string, streamId: string, revision: number): Promise<void> {
    try {
      await this.client.appendToStream(
        eventIndexStream(eventId),
        binaryEvent({ id: deterministicId('event-index', eventId, streamId, revision), type: '$>', data: Buffer.from(`${revision}@${streamId}`) }),
        { expectedRevision: ESDB_ANY },
      );
    } catch (error) {
      throw unreachable(error);
    }
  }

  private async append(streamId: string, serialized: ReturnType<typeof serializeBatch>, expected: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(
        streamId,
        serialized.map((event) =>
          jsonEvent({ id: event.id, type: event.type, data: JSON.parse(event.data), metadata: withReservedKeys(JSON.parse(event.metadata)) }),
        ),
        { expectedRevision: toEsdbExpected(expected) },
      );
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position: Number(result.position?.commit ?? 0n) };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? Number(error.actualVersion) : NO_STREAM;
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
      if (error instanceof EsdbMaxAppendSizeExceededError) {
        throw new MaxAppendSizeExceededError(streamId, Number.NaN, error.maxAppendSize);
      }
      throw unreachable(error);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
    const events: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(streamId, {
        direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: from === 'start' ? ESDB_START : from === 'end' ? ESDB_END : BigInt(from),
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      await readThrough(reading, (resolved) => {
        const event = toRecorded(resolved);
        if (event) events.push(event);
        return 'more';
      });
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) throw new StreamNotFoundError(streamId);
      throw unreachable(error);
    }
    return events;
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllFrom(options).catch((error: unknown) => Promise.reject(unreachable(error)));
  }

  private async readAllFrom(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const from = options.fromPosition ?? (options.direction === 'backwards' ? 'end' : 'start');
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const events: RecordedEvent[] = [];
    const keep = (event: RecordedEvent | null): event is RecordedEvent => !!event && !event.type.startsWith('$') && matchesFilter(event, options.filter);
    const backwards = options.direction === 'backwards';
    if (backwards && typeof from === 'number' && maxCount > 0) {
      // The server reads backwards from a position exclusively; the port includes the event at that position.
      await readThrough(this.client.readAll({ direction: FORWARDS, fromPosition: esdbPosition(from), maxCount: 1 }), (resolved) => {
        const event = toRecorded(resolved);
        if (event?.position === from && keep(event)) events.push(event);
        return 'more';
      });
    }
    if (events.length >= maxCount) return events;
    // v6 has no server-side filter on readAll: filter here, reading until maxCount matches.
    const reading = this.client.readAll({
      direction: backwards ? BACKWARDS : FORWARDS,
      fromPosition: from === 'start' ? ESDB_START : from === 'end' ? ESDB_END : esdbPosition(from),
    });
    await readThrough(reading, (resolved) => {
      const event = toRecorded(resolved);
      if (keep(event)) events.push(event);
      return events.length >= maxCount ? 'enough' : 'more';
    });
    return events;
  }

  /** Reads the `$bc-<correlationId>` stream of the server's `$by_correlation_id` projection (enable it). */
  async readByCorrelationId(correlationId: string, maxCount = 1000): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      await readThrough(this.client.readStream(`$bc-${correlationId}`, { fromRevision: ESDB_START, maxCount, resolveLinkTos: true }), (resolved) => {
        const event = toRecorded(resolved);
        if (event) events.push(event);
        return 'more';
      });
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) return [];
      throw unreachable(error);
    }
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return new EsdbSubscription(this.client, options);
  }

  async deleteStream(streamId: string, options: AppendOptions = {}): Promise<void> {
    const expected = options.expectedRevision ?? ANY;
    if (expected !== STREAM_EXISTS) return this.deleteAt(streamId, expected, toEsdbExpected(expected));
    // The client sends no STREAM_EXISTS for deletes: delete at the stream's last revision, read first
    // (a missing or deleted stream is a wrong expected version, as on the other adapters). An append
    // in between moves that revision while the stream still exists: read again.
    for (let attempt = 1; ; attempt++) {
      const [last] = await this.readStream(streamId, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }).catch((error: unknown) => {
        if (error instanceof StreamNotFoundError) throw new WrongExpectedVersionError(streamId, expected, NO_STREAM);
        throw error;
      });
      if (!last) throw new WrongExpectedVersionError(streamId, expected, NO_STREAM);
      try {
        return await this.deleteAt(streamId, expected, BigInt(last.revision));
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= DELETE_EXISTING_ATTEMPTS) throw error;
      }
    }
  }

  private async deleteAt(streamId: string, expected: ExpectedRevision, esdbExpected: AppendExpectedRevision): Promise<void> {
    try {
      await this.client.deleteStream(streamId, { expectedRevision: esdbExpected as Exclude<AppendExpectedRevision, typeof ESDB_STREAM_EXISTS> });
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? Number(error.actualVersion) : NO_STREAM;
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
      throw unreachable(error);
    }
  }

  /** The last event the port shows: system events (server statistics, `$bc-` links, stream metadata) are not part of it. */
  async headPosition(): Promise<number | null> {
    const [last] = await this.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
    return last?.position ?? null;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** Where the first event of an append carrying a commandId is linked from (findEvent): a stream per event id. */
function eventIndexStream(eventId: string): string {
  return `eventid-${eventId}`;
}

/**
 * Links findEvent reads from an index stream, the latest first. Once an append succeeds its command is
 * recognised and appends no more; before that, each attempt that met a conflict left one link.
 */
const EVENT_INDEX_LINKS = 32;

/** A delete expecting STREAM_EXISTS reads the last revision again this many times when appends keep moving it. */
const DELETE_EXISTING_ATTEMPTS = 5;

/**
 * Messages a subscription holds for its reader before it pauses the call, and where it resumes.
 * Without a bound, a catch-up over a long history would hold in memory everything the server can
 * send faster than the reader folds it.
 */
const BUFFER_HIGH_WATER = 1_000;
const BUFFER_LOW_WATER = 250;

/** Adapts the client's event-emitter subscription to the port's pull-based iteration, with backpressure. */
export class EsdbSubscription implements Subscription {
  private readonly queue: SubscriptionMessage[] = [];
  private paused = false;
  private wake: (() => void) | null = null;
  private closed = false;
  private failure: unknown = null;
  private lastSeen = 0;
  /** The server said CaughtUp: from then on the subscription is live. */
  private live = false;
  private announced = -1;
  private readonly subscription;

  constructor(client: EventStoreDBClient, private readonly options: SubscribeToAllOptions) {
    const from = options.fromPosition;
    this.subscription = client.subscribeToAll({
      fromPosition: from === undefined || from === 'start' ? ESDB_START : esdbPosition(from),
      filter: serverFilter((position) => {
        this.lastSeen = Math.max(this.lastSeen, position);
      }),
    });
    this.subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = toRecorded(resolved);
      if (!event) return;
      this.lastSeen = Math.max(this.lastSeen, event.position);
      // An event filtered out still moves the position: wake the reader so it can say it is caught up.
      this.push(matchesFilter(event, this.options.filter) ? { kind: 'event', event } : null);
    });
    this.subscription.on('caughtUp', () => {
      this.live = true;
      this.push({ kind: 'caughtUp', position: this.lastSeen });
    });
    this.subscription.on('error', (error: unknown) => {
      this.failure ??= unreachable(error);
      this.push(null);
    });
    // The server ended the call (it is shutting down, or dropped this subscriber): not the end of `$all`.
    // Failing lets the runner subscribe again from its checkpoint; waiting would stall it for good.
    this.subscription.on('end', () => {
      if (this.closed) return;
      this.failure ??= new EventStoreUnavailableError('the server ended the subscription');
      this.push(null);
    });
  }

  /** Messages received and not yet handed to the reader (at most about BUFFER_HIGH_WATER). */
  get buffered(): number {
    return this.queue.length;
  }

  private push(message: SubscriptionMessage | null): void {
    if (message && !this.closed) {
      this.queue.push(message);
      if (this.queue.length >= BUFFER_HIGH_WATER && !this.paused) {
        // The client stream stops reading the call: gRPC flow control holds the rest on the server.
        this.paused = true;
        this.subscription.pause();
      }
    }
    this.wake?.();
    this.wake = null;
  }

  private resumeWhenDrained(): void {
    if (!this.paused || this.queue.length > BUFFER_LOW_WATER) return;
    this.paused = false;
    this.subscription.resume();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    // A paused call would never report its end, and the client's dispose would wait for it.
    if (this.paused) this.subscription.resume();
    // The reader stops at once; cancelling waits for the call to exist (after discovery, with esdb+discover://).
    this.push(null);
    // A call that never started (the server could not be found) has nothing to cancel: closing still succeeds,
    // so the runner's shutdown goes on to dispose the client.
    await this.subscription.unsubscribe().catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    while (!this.closed) {
      const next = this.queue.shift();
      this.resumeWhenDrained();
      if (next) {
        if (next.kind === 'caughtUp') this.announced = next.position;
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      // The server says CaughtUp once; the port says it whenever everything received is handed out,
      // as the embedded stores do, so consumers batching until caught up flush live events too.
      if (this.live && this.lastSeen > this.announced) {
        this.announced = this.lastSeen;
        yield { kind: 'caughtUp', position: this.lastSeen };
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Reads a client stream to its end, handing each event to `take` until it answers 'enough' or throws.
 * Stopping early cancels the call and keeps reading what it had already buffered: a call left with
 * unread messages pauses, never reports its end, and `client.dispose()` (shutdown) waits for it
 * forever — with the server up, and whether or not the server is still there.
 */
async function readThrough<E>(reading: StreamingRead<E>, take: (resolved: E) => 'more' | 'enough'): Promise<void> {
  let stopped = false;
  let failed = false;
  let failure: unknown;
  for await (const resolved of reading) {
    if (stopped) continue;
    try {
      if (take(resolved) === 'more') continue;
    } catch (error) {
      failed = true;
      failure = error;
    }
    stopped = true;
    await reading.cancel();
  }
  if (failed) throw failure;
}

/**
 * Only system events are filtered on the server; type and category filters apply here. A server
 * filter reports progress past the events it skips only every checkpoint window, so a consumer
 * filtering by category would not learn for a while that it has seen everything up to an event it
 * does not follow — and read-your-writes (`whenProcessed(position)`) would wait for it.
 */
function serverFilter(onCheckpoint: (position: number) => void): Filter {
  return excludeSystemEvents({ checkpointReached: (_: unknown, position: { commit: bigint }) => onCheckpoint(Number(position.commit)) });
}

/**
 * The server cannot be reached (down, restarting, connection lost): EventStoreUnavailableError, so a command
 * answers 503 and a processor fails and resubscribes instead of parking the event it was handling. An append
 * cut off this way may have been written; repeating it is safe, the server recognises its event ids.
 */
function unreachable(error: unknown): unknown {
  // 14: gRPC's UNAVAILABLE, for an error the client did not convert; a cancellation by the server is converted.
  const unavailable = error instanceof EsdbUnavailableError || error instanceof EsdbCancelledError || (error as { code?: unknown } | null)?.code === 14;
  if (!unavailable) return error;
  // The gRPC details (the server's address among them) go to the log with the cause, not to API clients.
  return new EventStoreUnavailableError('EventStoreDB cannot be reached', { cause: error });
}

/** A greenfield store has no explicit transactions, so an event's prepare position equals its commit position. */
function esdbPosition(position: number): { commit: bigint; prepare: bigint } {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === NO_STREAM) return ESDB_NO_STREAM;
  if (expected === STREAM_EXISTS) return ESDB_STREAM_EXISTS;
  if (expected === ANY) return ESDB_ANY;
  return BigInt(expected);
}

function withReservedKeys(metadata: EventMetadata): EventMetadata {
  return {
    ...metadata,
    ...(metadata.correlationId ? { $correlationId: metadata.correlationId } : {}),
    ...(metadata.causationId ? { $causationId: metadata.causationId } : {}),
  };
}

function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || !event.isJson) return null;
  const { $correlationId: _c, $causationId: _k, ...metadata } = (event.metadata ?? {}) as EventMetadata;
  return decodeRecordedEvent({
    id: event.id,
    type: event.type,
    data: event.data,
    metadata,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: Number(event.position?.commit ?? 0n),
    created: new Date(event.created).toISOString(),
  });
}

/**
 * The client of a connection string, parsed without echoing its password: the client quotes the whole string in
 * the console warning about an unknown option (a typo in ESDB_URL) and in a parse error's message.
 */
function clientOf(connectionString: string): EventStoreDBClient {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warn(...args.map((arg) => (typeof arg === 'string' ? redactUserinfo(arg) : arg)));
  try {
    return EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    // Without its cause: the cause's own message holds the password.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(redactUserinfo(error instanceof Error ? error.message : String(error)));
  } finally {
    console.warn = warn;
  }
}
