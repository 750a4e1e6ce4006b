import type { ActualRevision, ExpectedRevision } from './event-store';

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * The stream does not exist (or was deleted). An expected answer that callers branch on: a young
 * graph has no snapshot yet, a new one no events, so a deploy meets about a dozen of these. It is
 * made without a stack trace, whose capture cost ~15 µs each in SMO's deep async stacks (about
 * 0.2 ms of every deploy); the message names the stream, which is what a reader needs.
 */
export class StreamNotFoundError extends Error {
  override readonly name = 'StreamNotFoundError';
  constructor(readonly streamId: string) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`Stream ${streamId} not found`);
    Error.stackTraceLimit = stackTraceLimit;
  }
}

export class MaxAppendSizeExceededError extends Error {
  override readonly name = 'MaxAppendSizeExceededError';
  constructor(
    readonly streamId: string,
    readonly size: number,
    readonly maxAppendSize: number,
  ) {
    super(`Append to ${streamId} is ${size} bytes, over the maximum of ${maxAppendSize}`);
  }
}

/**
 * The store could not write (disk full, I/O error, read-only or busy database…): nothing of the
 * append was recorded, and the same append may succeed later. The API answers 503.
 */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the event store cannot write: ${reason}`, options);
  }
}

export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}
