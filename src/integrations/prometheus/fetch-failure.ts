/** How a `fetch` that never got an HTTP answer failed: the deadline, or the network. */
export type FetchFailureKind = 'timeout' | 'unreachable';

export function fetchFailureKind(error: unknown): FetchFailureKind {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError') ? 'timeout' : 'unreachable';
}

/** undici hides the socket error (ECONNREFUSED…) in `cause`. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (fetchFailureKind(error) === 'timeout') return `no answer within ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`;
  return error.message;
}
