import { CallsGivenUpTogether, GIVEN_UP } from './calls-given-up-together';

/** A call that waits until released or aborted (it then throws, as fetch does). */
function pending(signal: AbortSignal, release: Array<() => void>): Promise<string> {
  return new Promise((resolve, reject) => {
    release.push(() => resolve('answered'));
    signal.addEventListener('abort', () => reject(new Error('aborted')));
  });
}

describe('CallsGivenUpTogether', () => {
  it('makes a few calls at a time; given up, it aborts those in flight and makes none of the others', async () => {
    const calls = new CallsGivenUpTogether(2);
    const release: Array<() => void> = [];
    let started = 0;
    const results = Array.from({ length: 5 }, () =>
      calls.run((signal) => {
        started++;
        return pending(signal, release);
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBe(2);
    release[0]!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBe(3);
    calls.giveUp();
    expect(await Promise.all(results)).toEqual(['answered', GIVEN_UP, GIVEN_UP, GIVEN_UP, GIVEN_UP]);
    expect(started).toBe(3);
  });

  it("gives up with the caller's signal (a stop), and lets a failure of its own through", async () => {
    const stop = new AbortController();
    const calls = new CallsGivenUpTogether(8, stop.signal);
    await expect(calls.run(async () => Promise.reject(new Error('a bug')))).rejects.toThrow('a bug');
    const release: Array<() => void> = [];
    const waiting = calls.run((signal) => pending(signal, release));
    stop.abort();
    expect(await waiting).toBe(GIVEN_UP);
    expect(calls.signal.aborted).toBe(true);
  });
});
