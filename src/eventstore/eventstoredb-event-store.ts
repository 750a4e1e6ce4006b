import {
  ANY as ESDB_ANY,
  BACKWARDS,
  END as ESDB_END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError as EsdbMaxAppendSizeExceededError,
  NO_STREAM as ESDB_NO_STREAM,
  START as ESDB_START,
  STREAM_EXISTS as ESDB_STREAM_EXISTS,
  StreamNotFoundError as EsdbStreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Filter,
  type ResolvedEvent,
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
  type EventFilter,
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
import { decodeRecordedEvent } from './decode';
import { MaxAppendSizeExceededError, StreamNotFoundError, WrongExpectedVersionError } from './errors';

/**
 * Production adapter over `@eventstore/db-client`. Positions are the commit positions of `$all`
 * (a greenfield store has no explicit transactions, so prepare == commit). Metadata keys
 * correlationId/causationId are also written as `$correlationId`/`$causationId` so the server's
 * `$by_correlation_id` projection sees them.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly adapter = 'eventstoredb';
  private readonly client: EventStoreDBClient;

  constructor(
    connectionString: string,
    private readonly options: { maxAppendSize?: number } = {},
  ) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const serialized = serializeBatch(streamId, events, this.options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE);
    const expected = options.expectedRevision ?? ANY;
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
      throw error;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: from === 'start' ? ESDB_START : from === 'end' ? ESDB_END : BigInt(from),
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      })) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) throw new StreamNotFoundError(streamId);
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition ?? (options.direction === 'backwards' ? 'end' : 'start');
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const events: RecordedEvent[] = [];
    const keep = (event: RecordedEvent | null): event is RecordedEvent => !!event && !event.type.startsWith('$') && matchesFilter(event, options.filter);
    const backwards = options.direction === 'backwards';
    if (backwards && typeof from === 'number' && maxCount > 0) {
      // The server reads backwards from a position exclusively; the port includes the event at that position.
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: esdbPosition(from), maxCount: 1 })) {
        const event = toRecorded(resolved);
        if (event?.position === from && keep(event)) events.push(event);
      }
    }
    // v6 has no server-side filter on readAll: filter here, reading until maxCount matches.
    const reading = this.client.readAll({
      direction: backwards ? BACKWARDS : FORWARDS,
      fromPosition: from === 'start' ? ESDB_START : from === 'end' ? ESDB_END : esdbPosition(from),
    });
    for await (const resolved of reading) {
      if (events.length >= maxCount) {
        // Leaving the loop alone would leave the call open with unread messages, and close() would wait for it forever.
        await reading.cancel();
        break;
      }
      const event = toRecorded(resolved);
      if (keep(event)) events.push(event);
    }
    return events;
  }

  /** Reads the `$bc-<correlationId>` stream of the server's `$by_correlation_id` projection (enable it). */
  async readByCorrelationId(correlationId: string, maxCount = 1000): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(`$bc-${correlationId}`, { fromRevision: ESDB_START, maxCount, resolveLinkTos: true })) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return new EsdbSubscription(this.client, options);
  }

  async deleteStream(streamId: string, options: AppendOptions = {}): Promise<void> {
    const expected = options.expectedRevision ?? ANY;
    try {
      // The server has no STREAM_EXISTS for deletes; ANY plus its own not-found answer is the closest.
      const esdbExpected = expected === STREAM_EXISTS ? ESDB_ANY : toEsdbExpected(expected);
      await this.client.deleteStream(streamId, { expectedRevision: esdbExpected as Exclude<AppendExpectedRevision, typeof ESDB_STREAM_EXISTS> });
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? Number(error.actualVersion) : NO_STREAM;
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
      throw error;
    }
  }

  async headPosition(): Promise<number | null> {
    let head: number | null = null;
    // Read to the end (one event) rather than return from inside the loop, which would leave the call open.
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: ESDB_END, maxCount: 1 })) {
      head = Number(resolved.event?.position?.commit ?? 0n);
    }
    return head;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** Adapts the client's event-emitter subscription to the port's pull-based iteration. */
class EsdbSubscription implements Subscription {
  private readonly queue: SubscriptionMessage[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private failure: unknown = null;
  private lastSeen = 0;
  private readonly subscription;

  constructor(client: EventStoreDBClient, private readonly options: SubscribeToAllOptions) {
    const from = options.fromPosition;
    this.subscription = client.subscribeToAll({
      fromPosition: from === undefined || from === 'start' ? ESDB_START : esdbPosition(from),
      filter: serverFilter(options.filter, (position) => {
        this.lastSeen = Math.max(this.lastSeen, position);
      }),
    });
    this.subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = toRecorded(resolved);
      if (!event) return;
      this.lastSeen = Math.max(this.lastSeen, event.position);
      if (matchesFilter(event, this.options.filter)) this.push({ kind: 'event', event });
    });
    this.subscription.on('caughtUp', () => this.push({ kind: 'caughtUp', position: this.lastSeen }));
    this.subscription.on('error', (error: unknown) => {
      this.failure = error;
      this.push(null);
    });
  }

  private push(message: SubscriptionMessage | null): void {
    if (message) this.queue.push(message);
    this.wake?.();
    this.wake = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscription.unsubscribe();
    this.push(null);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    while (!this.closed) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

function serverFilter(filter: EventFilter | undefined, onCheckpoint: (position: number) => void): Filter {
  const checkpointReached = (_: unknown, position: { commit: bigint }) => onCheckpoint(Number(position.commit));
  if (filter?.eventTypes) {
    return eventTypeFilter({ regex: `^(${filter.eventTypes.map(escapeRegex).join('|')})$`, checkpointReached });
  }
  if (filter?.streamCategories) {
    return streamNameFilter({ regex: `^(${filter.streamCategories.map(escapeRegex).join('|')})(-|$)`, checkpointReached });
  }
  return excludeSystemEvents({ checkpointReached });
}

/** A greenfield store has no explicit transactions, so an event's prepare position equals its commit position. */
function esdbPosition(position: number): { commit: bigint; prepare: bigint } {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
