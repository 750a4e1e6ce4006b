import type { EventFilter, RecordedEvent } from '../eventstore/event-store';
import type { ParkedEntry } from './parking';

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
  /**
   * Events of this many streams may be handled at once; a stream's own events are handled one at a time, in `$all`
   * order (for a processor whose handling of one stream never waits on another's: one graph's hung helm then holds back
   * no other graph's deployments). Default 1: every event in `$all` order. The checkpoint moves past an event once it
   * and every event before it are handled, so a restart handles again at most those under way.
   */
  readonly concurrentStreams?: number;
  /**
   * Whether handling `handled` did all that an earlier parked event of the same stream was for, so it needs no re-drive:
   * a processor whose handler reads the stream's current state rather than the event's converges the stream with each
   * event it handles. Asked only of parked events of `handled`'s stream that came before it, after `handled` succeeded;
   * those it answers true for are resolved as `superseded`. Without it, parked events wait for a re-drive or a discard.
   */
  supersedesParked?(parked: ParkedEntry, handled: RecordedEvent): Promise<boolean>;
  handle(event: RecordedEvent, context: ProcessorContext): Promise<void>;
  /**
   * Work only the lease holder may do before it handles events (an upgrade's move of what the processor writes, a
   * clean-up of what an earlier run left): run each time this instance takes the lease, at start or after a loss or
   * a failure, never on an instance standing by. A throw fails the session as a handler's store failure does.
   */
  onLeaseTaken?(context: ProcessorContext): Promise<void>;
}

export interface ProcessorContext {
  /** Aborted when the instance stops or loses the processor's lease. */
  signal: AbortSignal;
  /**
   * Fencing: call right before a side effect that must happen once (a helm install). It confirms,
   * by renewing it in the store, that this instance still holds the processor's lease; if another
   * instance took it over (this one was paused or cut off past the lease's time to live), it throws
   * LeaseLostError and ends the session, so a stale owner acts on nothing the new owner now handles.
   */
  fence(): Promise<void>;
}
