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
  /** When the lease was last taken or renewed without a break since acquire() (performance.now() of the ask); null before, and once broken. */
  private renewedAt: number | null = null;

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
    this.renewedAt = null;
    for (let waits = 1; !signal.aborted; waits++) {
      if (await this.tryAcquire()) return true;
      onWaiting();
      await sleep(backoffDelay(poll, waits), signal);
    }
    return false;
  }

  /** Asks for the lease once: true when it is ours now, held from here as after acquire(). */
  async tryAcquire(): Promise<boolean> {
    const asked = performance.now();
    const held = await this.store.acquireLease(this.name, this.owner, this.ttlMs);
    this.renewedAt = held ? asked : null;
    return held;
  }

  /** How often a waiter asks for the lease by default (acquire()): every tenth of its TTL, at least 50 ms apart. */
  get standbyPollMs(): number {
    return Math.max(50, this.ttlMs / 10);
  }

  private steadyPoll(): LeasePoll {
    return { initialDelayMs: this.standbyPollMs, maxDelayMs: this.standbyPollMs };
  }

  /** Renews the lease now: false if another owner holds it (then this one must not act). */
  confirm(): Promise<boolean> {
    return this.take();
  }

  /**
   * Whether the lease has been ours without a break since acquire(): renewed within its time to live each
   * time, and renewed now. confirm() alone would take back a lease that lapsed while this process was paused past
   * its TTL and that another owner took and released meanwhile: it answers true though the other acted in between.
   */
  async heldThroughout(): Promise<boolean> {
    if (!this.renewedInTime()) return false;
    return (await this.take()) && this.renewedAt !== null;
  }

  /**
   * Whether the lease has been ours without a break since acquire() as far as this instance knows, without asking
   * the store: each renewal within its TTL, the last one less than a TTL ago (keepRenewed() renews it meanwhile).
   */
  renewedInTime(): boolean {
    return this.renewedAt !== null && performance.now() - this.renewedAt < this.ttlMs;
  }

  /** Renews the lease every third of its time to live; calls `onLost` if another owner took it. */
  keepRenewed(onLost: () => void): void {
    this.stopRenewing();
    this.timer = setInterval(() => {
      this.renewal = this.take().then(
        (held) => held || onLost(),
        () => onLost(),
      );
    }, this.ttlMs / 3);
    this.timer.unref();
  }

  /** Takes or renews the lease; a renewal later than the TTL, or refused, breaks the hold heldThroughout answers for. */
  private async take(): Promise<boolean> {
    const asked = performance.now();
    const held = await this.store.acquireLease(this.name, this.owner, this.ttlMs);
    // The store wrote the lease between the ask and the answer: the last one lasts at least its TTL from its ask, and
    // this one was written before the answer. Unbroken only when the answer came within that TTL.
    if (this.renewedAt !== null) this.renewedAt = held && performance.now() - this.renewedAt < this.ttlMs ? asked : null;
    return held;
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
