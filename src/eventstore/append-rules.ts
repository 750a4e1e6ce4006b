import { ANY, NO_STREAM, STREAM_EXISTS, type ActualRevision, type ExpectedRevision, type NewEvent } from './event-store';
import { InvalidAppendError, MaxAppendSizeExceededError, WrongExpectedVersionError } from './errors';

/** What an adapter knows about a stream when it checks an append. */
export interface StreamState {
  /** Revision of the last event ever written, -1 for a stream never written. */
  lastRevision: number;
  /** First revision still readable (after a soft delete, the one following the deleted events). */
  firstRevision: number;
  deleted: boolean;
}

export const NEW_STREAM: StreamState = { lastRevision: -1, firstRevision: 0, deleted: false };

export type AppendDecision = { kind: 'write'; firstRevision: number } | { kind: 'duplicate'; lastRevision: number };

export function actualRevision(state: StreamState): ActualRevision {
  return streamExists(state) ? state.lastRevision : NO_STREAM;
}

function streamExists(state: StreamState): boolean {
  return state.lastRevision >= 0 && !state.deleted;
}

/**
 * Decides an append the way EventStoreDB does. `existingRevisions[i]` is the revision at which the
 * batch's i-th event id is already stored in this stream (undefined when it is new). A batch that
 * was fully written before at the expected place is acknowledged again without writing.
 */
export function decideAppend(
  streamId: string,
  state: StreamState,
  expected: ExpectedRevision,
  existingRevisions: readonly (number | undefined)[],
): AppendDecision {
  const known = existingRevisions.filter((r): r is number => r !== undefined);
  if (known.length > 0) {
    const first = existingRevisions[0];
    const contiguous =
      known.length === existingRevisions.length &&
      first !== undefined &&
      existingRevisions.every((r, i) => r === first + i);
    if (contiguous && repeatMatchesExpectation(expected, first, state)) {
      return { kind: 'duplicate', lastRevision: first + existingRevisions.length - 1 };
    }
    throw new WrongExpectedVersionError(streamId, expected, actualRevision(state));
  }
  const ok =
    expected === ANY ||
    (expected === NO_STREAM && !streamExists(state)) ||
    (expected === STREAM_EXISTS && streamExists(state)) ||
    // A soft-deleted stream keeps its last revision for this check (EventStoreDB's deleted_stream
    // recreated_with_expected_version): whoever read it last may recreate it, or delete it again.
    (typeof expected === 'number' && state.lastRevision >= 0 && state.lastRevision === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, actualRevision(state));
  return { kind: 'write', firstRevision: state.lastRevision + 1 };
}

function repeatMatchesExpectation(expected: ExpectedRevision, firstRevision: number, state: StreamState): boolean {
  if (expected === ANY || expected === STREAM_EXISTS) return true;
  if (expected === NO_STREAM) return firstRevision === state.firstRevision;
  return expected === firstRevision - 1;
}

export interface SerializedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/** Validates a batch and serialises it once, enforcing the maximum append size. */
export function serializeBatch(streamId: string, events: readonly NewEvent[], maxAppendSize: number): SerializedEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.startsWith('$')) {
    throw new InvalidAppendError(`Invalid stream id ${JSON.stringify(streamId)}`);
  }
  if (events.length === 0) throw new InvalidAppendError(`Empty append to ${streamId}`);
  const ids = new Set<string>();
  let size = 0;
  const serialized = events.map((event) => {
    if (typeof event.id !== 'string' || event.id.length === 0) throw new InvalidAppendError('Event id must be a non-empty string');
    if (ids.has(event.id)) throw new InvalidAppendError(`Event id ${event.id} appears twice in one append`);
    ids.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(`Invalid event type ${JSON.stringify(event.type)}`);
    }
    const data = JSON.stringify(event.data ?? null);
    const metadata = JSON.stringify(event.metadata ?? {});
    size += Buffer.byteLength(data) + Buffer.byteLength(metadata);
    return { id: event.id, type: event.type, data, metadata };
  });
  if (size > maxAppendSize) throw new MaxAppendSizeExceededError(streamId, size, maxAppendSize);
  return serialized;
}
