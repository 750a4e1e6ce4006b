/**
 * The event store port. Its semantics are EventStoreDB's, so that the embedded adapters behave
 * like production: revisions start at 0, expected revisions are NO_STREAM / STREAM_EXISTS / ANY /
 * an exact revision, appends are idempotent by event id, `$all` positions are global and
 * subscriptions start exclusively after a checkpoint.
 */

export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;
export const ANY = 'any' as const;

/** What the writer believes the stream's last revision is; a mismatch fails the append. */
export type ExpectedRevision = typeof NO_STREAM | typeof STREAM_EXISTS | typeof ANY | number;

/** The actual state a failed expectation met. */
export type ActualRevision = typeof NO_STREAM | number;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  commandId?: string;
  actor?: string;
  at?: string;
  schemaVersion?: number;
  [key: string]: unknown;
}

export interface NewEvent<TType extends string = string, TData = unknown> {
  /** Deterministic per command, so a retried command appends nothing new. */
  id: string;
  type: TType;
  data: TData;
  metadata?: EventMetadata;
}

export interface RecordedEvent<TType extends string = string, TData = unknown> {
  id: string;
  type: TType;
  data: TData;
  metadata: EventMetadata;
  streamId: string;
  revision: number;
  /** Global position in `$all`: increasing, possibly with gaps. */
  position: number;
  /** ISO time the store recorded the event. */
  created: string;
}

export interface AppendResult {
  /** The revision of the last event written (or found, for an idempotent repeat). */
  nextExpectedRevision: number;
  /** The global position of that event. */
  position: number;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
  /**
   * When the append is acknowledged: `durable` (the default) once it is on disk; `committed` once it is
   * committed, for a step of a command whose next append, acknowledged once durable, carries it to disk
   * (the embedded store flushes its commits in order, so that flush covers this one). Its events still
   * reach subscriptions only once on disk. Stores whose commit is their flush (EventStoreDB, memory) ignore it.
   */
  acknowledge?: 'durable' | 'committed';
}

export type Direction = 'forwards' | 'backwards';
export const START = 'start' as const;
export const END = 'end' as const;

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive: forwards reads revisions ≥ from, backwards reads revisions ≤ from. */
  fromRevision?: typeof START | typeof END | number;
  maxCount?: number;
}

/** Selects events by type and/or by stream category (the part of the stream id before the first `-`). */
export interface EventFilter {
  eventTypes?: readonly string[];
  streamCategories?: readonly string[];
}

export interface ReadAllOptions {
  direction?: Direction;
  /** Inclusive: forwards reads positions ≥ from, backwards reads positions ≤ from. */
  fromPosition?: typeof START | typeof END | number;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the first event delivered is the first one after this position. */
  fromPosition?: typeof START | number;
  filter?: EventFilter;
  /** Events read per page while catching up. */
  batchSize?: number;
}

export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  /** Every event up to `position` (filtered out or delivered) has been seen; the subscription is live. */
  | { kind: 'caughtUp'; position: number };

export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

export interface EventStore {
  /** The adapter's name, as reported by /health. */
  readonly adapter: string;
  appendToStream(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws StreamNotFoundError for a stream that does not exist or was deleted. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /** Every event whose metadata carries this correlation id, in `$all` order: the whole story of one command. */
  readByCorrelationId(correlationId: string, maxCount?: number): Promise<RecordedEvent[]>;
  /**
   * The event with this id in the stream, or null (no such event, or the stream deleted since): a lookup
   * that costs the same however long the stream, so that a command repeated long after its first run
   * (same commandId, hence the same event ids) is recognised. EventStoreDB has no lookup by id: its
   * adapter indexes the first event of every append whose metadata carries a commandId (a command's
   * events are appended together), and finds those.
   */
  findEvent(streamId: string, eventId: string): Promise<RecordedEvent | null>;
  /** Soft delete: reads then fail as not found, `$all` keeps the events, a later append continues the numbering. */
  deleteStream(streamId: string, options?: AppendOptions): Promise<void>;
  /** The position of the last event in `$all`, or null when the store is empty. */
  headPosition(): Promise<number | null>;
  /** Lets pending appends finish, then releases resources. */
  close(): Promise<void>;
}

/** Default ceiling of one append (data + metadata, serialised), as EventStoreDB's MaxAppendSize. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

export function matchesFilter(event: Pick<RecordedEvent, 'type' | 'streamId'>, filter: EventFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamCategories && !filter.streamCategories.includes(streamCategory(event.streamId))) return false;
  return true;
}
