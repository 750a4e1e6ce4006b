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

export class StreamNotFoundError extends Error {
  override readonly name = 'StreamNotFoundError';
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} not found`);
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

export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}
