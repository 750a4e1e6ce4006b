import pLimit from 'p-limit';

/** What a call run by CallsGivenUpTogether resolves with when it was not made, or was cut short, because the calls were given up. */
export const GIVEN_UP = Symbol('given up');

/**
 * Calls to one service, a few at a time, given up together: once one finds the service does not answer in time (or
 * cannot be reached), its caller gives up (giveUp()), and the calls not yet started are not made and those in flight
 * are aborted through their signal, rather than each wait as long again, batch after batch. The caller's own signal
 * (a stop) gives them up too.
 */
export class CallsGivenUpTogether {
  /** Aborted once the calls are given up (or the caller's signal is): each call is passed it. */
  readonly signal: AbortSignal;
  private readonly givenUp = new AbortController();
  private readonly limit: pLimit.Limit;

  constructor(atOnce: number, stop?: AbortSignal) {
    this.limit = pLimit(atOnce);
    this.signal = stop ? AbortSignal.any([this.givenUp.signal, stop]) : this.givenUp.signal;
  }

  giveUp(): void {
    this.givenUp.abort();
  }

  /** The call's answer, or GIVEN_UP when it was not made or threw once given up; another throw rejects. */
  run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T | typeof GIVEN_UP> {
    return this.limit(async () => {
      if (this.signal.aborted) return GIVEN_UP;
      try {
        return await call(this.signal);
      } catch (error) {
        if (this.signal.aborted) return GIVEN_UP;
        throw error;
      }
    });
  }
}
