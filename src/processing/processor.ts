import type { EventFilter, RecordedEvent } from '../eventstore/event-store';

/**
 * A durable processor (saga): it receives each matching event at least once, in `$all` order,
 * from its stored checkpoint. Side effects must be idempotent, and outcomes are recorded as
 * events by the handler itself.
 */
export interface Processor {
  readonly name: string;
  readonly filter: EventFilter;
  /**
   * Save the checkpoint only every this many events (and whenever caught up), for a processor that
   * sees every event of a category and whose handling is cheap to repeat. Default: after each event.
   */
  readonly checkpointEvery?: number;
  handle(event: RecordedEvent, context: { signal: AbortSignal }): Promise<void>;
}
