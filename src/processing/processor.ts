import type { EventFilter, RecordedEvent } from '../eventstore/event-store';

/**
 * A durable processor (saga): it receives each matching event at least once, in `$all` order,
 * from its stored checkpoint. Side effects must be idempotent, and outcomes are recorded as
 * events by the handler itself.
 */
export interface Processor {
  readonly name: string;
  readonly filter: EventFilter;
  handle(event: RecordedEvent, context: { signal: AbortSignal }): Promise<void>;
}
