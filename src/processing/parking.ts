import { ANY, type EventStore, type RecordedEvent } from '../eventstore/event-store';
import { deterministicId } from '../shared/deterministic-id';

export const EVENT_PARKED = 'EventParked';

export interface EventParked {
  runner: string;
  eventId: string;
  eventType: string;
  streamId: string;
  position: number;
  attempts: number;
  error: string;
}

/**
 * Records an event a runner could not handle after its retries, as an `EventParked` event in
 * `parked-<runner>`: the failure stays visible in the store, /health and the metrics instead of
 * being skipped silently, and an operator can replay it later.
 */
export async function parkEvent(store: EventStore, runner: string, event: RecordedEvent, error: unknown, attempts: number): Promise<void> {
  const data: EventParked = {
    runner,
    eventId: event.id,
    eventType: event.type,
    streamId: event.streamId,
    position: event.position,
    attempts,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
  await store.appendToStream(
    `parked-${runner}`,
    [{ id: deterministicId('parked', runner, event.id), type: EVENT_PARKED, data, metadata: { causationId: event.id } }],
    { expectedRevision: ANY },
  );
}
