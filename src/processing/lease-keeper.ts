import type { ReadStore } from '../readstore/read-store';
import { backoffDelay, sleep, type RetryPolicy } from '../shared/retry';

/** How a waiter asks for a lease again: after `initialDelayMs`, then each time twice as late, up to `maxDelayMs`. */
export type LeasePoll = Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>;

/**
 * For a lease held briefly (an approval's check and append): a waiter asks again soon after it
 * starts waiting, then less often, so that it costs a few writes a second, not a hundred, however long it waits.
 */
export const BRIEF_LEASE_POLL: LeasePoll = { initialDelayMs: 10, maxDelayMs: 160 };

/**
 * Holds a runner's lease so that, across SMO instances, one at a time runs it. The lease row is
 * also the checkpoint row, so a checkpoint write by an owner that lost the lease fails (fencing).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  /** The renewal on its way to the store, if any: a release waits for it, or it would take the lease back after. */
  private renewal: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ReadStore,
    readonly name: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Waits until the lease is ours (or the signal aborts). By default asked for every tenth of its TTL (at least
   * 50 ms), so that a lease left by a dead owner is taken over within about its TTL; `poll` for a lease held
   * briefly, whose waiters should not lag it (BRIEF_LEASE_POLL).
   */
  async acquire(signal: AbortSignal, onWaiting: () => void, poll: LeasePoll = this.steadyPoll()): Promise<boolean> {
    for (let waits = 1; !signal.aborted; waits++) {
      if (await this.store.acquireLease(this.name, this.owner, this.ttlMs)) return true;
      onWaiting();
      await sleep(backoffDelay(poll, waits), signal);
    }
    return false;
  }

  private steadyPoll(): LeasePoll {
    const everyMs = Math.max(50, this.ttlMs / 10);
    return { initialDelayMs: everyMs, maxDelayMs: everyMs };
  }

  /** Renews the lease now: false if another owner holds it (then this one must not act). */
  confirm(): Promise<boolean> {
    return this.store.acquireLease(this.name, this.owner, this.ttlMs);
  }

  /** Renews the lease every third of its time to live; calls `onLost` if another owner took it. */
  keepRenewed(onLost: () => void): void {
    this.stopRenewing();
    this.timer = setInterval(() => {
      this.renewal = this.store.acquireLease(this.name, this.owner, this.ttlMs).then(
        (held) => held || onLost(),
        () => onLost(),
      );
    }, this.ttlMs / 3);
    this.timer.unref();
  }

  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.renewal;
    await this.store.releaseLease(this.name, this.owner);
  }
}
