export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/** Exponential backoff: initial, 2×, 4×… capped at the maximum. */
export function backoffDelay(policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `work` until it succeeds or the policy's attempts are spent; the last error is rethrown. */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal; onFailure?: (error: unknown, attempt: number) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      options.onFailure?.(error, attempt);
      if (attempt >= policy.attempts || options.signal?.aborted) throw error;
      await sleep(backoffDelay(policy, attempt), options.signal);
    }
  }
}
