/** How a `fetch` that never got an HTTP answer failed: the deadline, or the network. */
export type FetchFailureKind = 'timeout' | 'unreachable';

// Duck-typed, not instanceof: undici's errors may come from another realm (Jest runs tests in a vm context).
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

export function fetchFailureKind(error: unknown): FetchFailureKind {
  const name = asErrorLike(error)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
}

/** undici hides the socket error (ECONNREFUSED…) in `cause`. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (fetchFailureKind(error) === 'timeout') return `no answer within ${timeoutMs} ms`;
  const outer = asErrorLike(error);
  if (outer === null || typeof outer.message !== 'string') return String(error);
  const cause = asErrorLike(outer.cause);
  if (cause === null) return outer.message;
  const detail = typeof cause.code === 'string' ? cause.code : String(cause.message);
  return `${outer.message}: ${detail}`;
}

function asErrorLike(value: unknown): ErrorLike | null {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : null;
}
