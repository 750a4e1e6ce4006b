import { upcast } from '../domain/event-schema';
import { isRecord } from '../shared/is-record';
import type { EventMetadata, RecordedEvent } from './event-store';

/**
 * The one step every adapter runs on an event as it leaves the store: parse what the store kept,
 * and bring an event recorded in an older shape to today's (upcasters by type and schemaVersion).
 * Readers then narrow it to their aggregate's union with that aggregate's guard.
 */
export function decodeRecordedEvent(stored: Omit<RecordedEvent, 'data' | 'metadata'> & { data: unknown; metadata: unknown }): RecordedEvent {
  const metadata: EventMetadata = isRecord(stored.metadata) ? stored.metadata : {};
  return upcast({ ...stored, metadata });
}
