import type { RecordedEvent } from '../eventstore/event-store';
import { deterministicId } from '../shared/deterministic-id';
import type { CommandContext } from './command-handler';

/**
 * The context of a command a processor issues because of an event. Its id is derived from the
 * processor, the event and the step, so re-handling the event after a crash repeats nothing.
 */
export function processorContext(processor: string, event: RecordedEvent, step: string, now = new Date()): CommandContext {
  return {
    commandId: deterministicId(processor, event.id, step),
    correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : event.id,
    causationId: event.id,
    actor: `processor:${processor}`,
    now,
  };
}
