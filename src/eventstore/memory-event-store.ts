import { NEW_STREAM, decideAppend, serializeBatch, type StreamState } from './append-rules';
import { AppendNotifier, CatchUpSubscription } from './catch-up-subscription';
import {
  ANY,
  DEFAULT_MAX_APPEND_SIZE,
  matchesFilter,
  type AppendOptions,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from './event-store';
import { decodeRecordedEvent } from './decode';
import { StreamNotFoundError } from './errors';
import { sliceByPosition, sliceByRevision } from './read-window';

interface MemoryStream {
  state: StreamState;
  events: RecordedEvent[];
  revisionsById: Map<string, number>;
}

/** Keeps everything in memory; for unit tests and throwaway runs. Events are stored serialised, so it behaves like a real store. */
export class MemoryEventStore implements EventStore {
  readonly adapter = 'memory';
  private readonly streams = new Map<string, MemoryStream>();
  private readonly all: RecordedEvent[] = [];
  private readonly notifier = new AppendNotifier();

  constructor(private readonly options: { maxAppendSize?: number; now?: () => Date } = {}) {}

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const serialized = serializeBatch(streamId, events, this.options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE);
    const stream: MemoryStream = this.streams.get(streamId) ?? { state: { ...NEW_STREAM }, events: [], revisionsById: new Map() };
    const existing = serialized.map((event) => stream.revisionsById.get(event.id));
    const decision = decideAppend(streamId, stream.state, options.expectedRevision ?? ANY, existing);
    if (decision.kind === 'duplicate') {
      const last = stream.events.find((e) => e.revision === decision.lastRevision);
      return { nextExpectedRevision: decision.lastRevision, position: last?.position ?? 0 };
    }
    const created = (this.options.now?.() ?? new Date()).toISOString();
    serialized.forEach((event, index) => {
      const recorded: RecordedEvent = {
        id: event.id,
        type: event.type,
        data: JSON.parse(event.data),
        metadata: JSON.parse(event.metadata),
        streamId,
        revision: decision.firstRevision + index,
        position: this.all.length + 1,
        created,
      };
      stream.events.push(recorded);
      stream.revisionsById.set(event.id, recorded.revision);
      this.all.push(recorded);
    });
    stream.state = { ...stream.state, lastRevision: decision.firstRevision + serialized.length - 1, deleted: false };
    this.streams.set(streamId, stream);
    this.notifier.notify();
    return { nextExpectedRevision: stream.state.lastRevision, position: this.all.length };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId);
    if (!stream || stream.state.deleted || stream.state.lastRevision < 0) throw new StreamNotFoundError(streamId);
    const live = stream.events.filter((e) => e.revision >= stream.state.firstRevision);
    return sliceByRevision(live, options).map(clone);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const matching = this.all.filter((e) => matchesFilter(e, options.filter));
    return sliceByPosition(matching, options).map(clone);
  }

  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | null> {
    const stream = this.streams.get(streamId);
    const revision = stream?.revisionsById.get(eventId);
    if (!stream || revision === undefined || stream.state.deleted || revision < stream.state.firstRevision) return null;
    const event = stream.events.find((e) => e.revision === revision);
    return event ? clone(event) : null;
  }

  async readByCorrelationId(correlationId: string, maxCount = 1000): Promise<RecordedEvent[]> {
    return this.all.filter((e) => e.metadata.correlationId === correlationId).slice(0, maxCount).map(clone);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return new CatchUpSubscription(
      {
        readPageAfter: async (position: number, limit: number, filter: EventFilter | undefined) => {
          const events: RecordedEvent[] = [];
          for (let i = position; i < this.all.length && events.length < limit; i++) {
            const event = this.all[i];
            if (event && matchesFilter(event, filter)) events.push(clone(event));
          }
          return { events, head: this.all.length };
        },
        appendSequence: () => this.notifier.current(),
        waitForAppend: (since, pollMs, signal) => this.notifier.wait(since, pollMs, signal),
      },
      options,
    );
  }

  async deleteStream(streamId: string, options: AppendOptions = {}): Promise<void> {
    const stream: MemoryStream = this.streams.get(streamId) ?? { state: { ...NEW_STREAM }, events: [], revisionsById: new Map() };
    decideAppend(streamId, stream.state, options.expectedRevision ?? ANY, []);
    stream.state = { ...stream.state, deleted: true, firstRevision: stream.state.lastRevision + 1 };
    this.streams.set(streamId, stream);
  }

  async headPosition(): Promise<number | null> {
    return this.all.length === 0 ? null : this.all.length;
  }

  async close(): Promise<void> {}
}

/** Readers get their own copies, as they would from a database, decoded as every adapter's are. */
function clone(event: RecordedEvent): RecordedEvent {
  return decodeRecordedEvent(structuredClone(event));
}
