import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../eventstore/event-store';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/** Decorates an event store with append latency and volume metrics, and the domain metrics and log lines of what is appended. */
export class InstrumentedEventStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly metrics: Metrics,
    private readonly logger?: Logger,
  ) {}

  get adapter(): string {
    return this.store.adapter;
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const stop = this.metrics.appendLatency.startTimer();
    try {
      const result = await this.store.appendToStream(streamId, events, options);
      stop({ outcome: 'ok' });
      this.metrics.appendedEvents.inc(events.length);
      // An idempotent repeat of an append (same event ids, after a crash) is counted again: rare, and only on this instance.
      if (this.logger) this.metrics.domain.observe(events, this.logger);
      return result;
    } catch (error) {
      stop({ outcome: error instanceof Error ? error.name : 'error' });
      throw error;
    }
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  findEvent(streamId: string, eventId: string): Promise<RecordedEvent | null> {
    return this.store.findEvent(streamId, eventId);
  }

  readByCorrelationId(correlationId: string, maxCount?: number): Promise<RecordedEvent[]> {
    return this.store.readByCorrelationId(correlationId, maxCount);
  }

  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    return this.store.subscribeToAll(options);
  }

  deleteStream(streamId: string, options?: AppendOptions): Promise<void> {
    return this.store.deleteStream(streamId, options);
  }

  headPosition(): Promise<number | null> {
    return this.store.headPosition();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
