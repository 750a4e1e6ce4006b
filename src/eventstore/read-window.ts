import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from './event-store';

/** Applies direction, inclusive start and maxCount to a stream's events (ordered by revision). */
export function sliceByRevision(events: readonly RecordedEvent[], options: ReadStreamOptions): RecordedEvent[] {
  return slice(events, (e) => e.revision, options.direction, options.fromRevision, options.maxCount);
}

/** Applies direction, inclusive start and maxCount to `$all` (ordered by position). */
export function sliceByPosition(events: readonly RecordedEvent[], options: ReadAllOptions): RecordedEvent[] {
  return slice(events, (e) => e.position, options.direction, options.fromPosition, options.maxCount);
}

function slice(
  events: readonly RecordedEvent[],
  key: (event: RecordedEvent) => number,
  direction: 'forwards' | 'backwards' = 'forwards',
  from: 'start' | 'end' | number | undefined,
  maxCount = Number.MAX_SAFE_INTEGER,
): RecordedEvent[] {
  if (direction === 'forwards') {
    if (from === 'end') return [];
    const start = typeof from === 'number' ? from : -Infinity;
    return events.filter((e) => key(e) >= start).slice(0, maxCount);
  }
  if (from === 'start') return [];
  const start = typeof from === 'number' ? from : Infinity;
  return events
    .filter((e) => key(e) <= start)
    .reverse()
    .slice(0, maxCount);
}
