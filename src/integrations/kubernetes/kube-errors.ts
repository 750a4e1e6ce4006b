/**
 * Failures of a Kubernetes API call, told apart so callers can decide: a timeout or an unreachable
 * server is worth a retry, a 403 or 404 is not. `operation` names the call, e.g. "list karmada clusters".
 */
export abstract class KubeApiError extends Error {
  protected constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
    this.name = new.target.name;
  }
}

export class KubeApiTimeoutError extends KubeApiError {
  constructor(
    operation: string,
    readonly timeoutMs: number,
  ) {
    super(operation, `no answer within ${timeoutMs} ms`);
  }
}

export class KubeApiUnreachableError extends KubeApiError {
  constructor(operation: string, cause: unknown) {
    super(operation, `API server unreachable (${describeCause(cause)})`, { cause });
  }
}

/** The API server did not answer in time or could not be reached: a caller's next calls would most likely wait as long again. */
export function isUnanswered(error: unknown): error is KubeApiTimeoutError | KubeApiUnreachableError {
  return error instanceof KubeApiTimeoutError || error instanceof KubeApiUnreachableError;
}

/** The server answered with an error status; `reason` is the Status reason (e.g. "NotFound") when given. */
export class KubeApiStatusError extends KubeApiError {
  constructor(
    operation: string,
    readonly status: number,
    readonly reason: string | null,
    readonly serverMessage: string | null,
  ) {
    super(operation, `HTTP ${status}${reason ? ` ${reason}` : ''}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

/** The server answered 2xx but the object is not shaped as expected. */
export class KubeApiInvalidResponseError extends KubeApiError {
  constructor(operation: string, problem: string) {
    super(operation, `unexpected response: ${problem}`);
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici wraps socket errors: TypeError("fetch failed") with the real error (ECONNREFUSED, ...) as cause.
  const inner = cause.cause;
  if (inner instanceof Error) return `${cause.message}: ${(inner as NodeJS.ErrnoException).code ?? inner.message}`;
  return cause.message;
}
