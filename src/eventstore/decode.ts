import { upcast } from '../domain/event-schema';
import type { EventMetadata, RecordedEvent } from './event-store';

/**
 * The one step every adapter runs on an event as it leaves the store: parse what the store kept,
 * and bring an event recorded in an older shape to today's (upcasters by type and schemaVersion).
 * Readers then narrow it to their aggregate's union with that aggregate's guard.
 */
export function decodeRecordedEvent(stored: Omit<RecordedEvent, 'data' | 'metadata'> & { data: unknown; metadata: unknown }): RecordedEvent {
  const metadata = isMetadata(stored.metadata) ? stored.metadata : {};
  return upcast({ ...stored, metadata });
}

function isMetadata(value: unknown): value is EventMetadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
