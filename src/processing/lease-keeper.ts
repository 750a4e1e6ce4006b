import type { ReadStore } from '../readstore/read-store';
import { backoffDelay, sleep, withRetry, type RetryPolicy } from '../shared/retry';

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
  /** Aborts the renewal's retries once renewing stops (a release does not wait out the TTL). */
  private renewing: AbortController | null = null;
  /** keepRenewed's renewal under way, retries included (a stop ends them). */
  private renewal: Promise<unknown> = Promise.resolve();
  /** The lease write on its way to the store, if any: a release waits for it, or it would take the lease back after. */
  private write: Promise<unknown> = Promise.resolve();
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

  /**
   * Renews the lease every third of its time to live; calls `onLost` once another owner took it, or once the TTL ran
   * out without a renewal. A renewal that fails (the store busy, a connection reset) is retried until then, each
   * failure told to `onRenewalFailed`: the lease is still this owner's until it expires, and giving it up at the first
   * error made jobs move between instances at each hiccup of the store.
   */
  keepRenewed(onLost: () => void, onRenewalFailed: (error: unknown) => void = () => undefined): void {
    this.stopRenewing();
    const renewing = new AbortController();
    this.renewing = renewing;
    let inFlight = false;
    this.timer = setInterval(() => {
      // A renewal still retrying is the one this tick would send.
      if (inFlight) return;
      inFlight = true;
      this.renewal = this.renewWithinTtl(renewing.signal, onRenewalFailed)
        .then(
          // Answered after the TTL (a late retry, a slow store): the lease lapsed meanwhile, as good as lost.
          (held) => (held && this.renewedInTime()) || renewing.signal.aborted || onLost(),
          () => renewing.signal.aborted || onLost(),
        )
        .finally(() => (inFlight = false));
    }, this.ttlMs / 3);
    this.timer.unref();
  }

  /**
   * Renews the lease, retrying a failure while the last renewal's TTL lasts; rejects once it ran out (or renewing
   * stopped). A write the store leaves unanswered for a third of the TTL counts as failed: the renewal does not wait
   * on it past the lease's expiry, and asks again meanwhile.
   */
  private renewWithinTtl(stopped: AbortSignal, onFailure: (error: unknown) => void): Promise<boolean> {
    const lasts = this.renewedAt === null ? 0 : this.renewedAt + this.ttlMs - performance.now();
    const retries = { attempts: Number.POSITIVE_INFINITY, initialDelayMs: Math.max(10, this.ttlMs / 30), maxDelayMs: Math.max(10, this.ttlMs / 6) };
    const signal = AbortSignal.any([stopped, AbortSignal.timeout(Math.max(0, Math.floor(lasts)))]);
    const attempt = () => {
      const given = AbortSignal.any([signal, AbortSignal.timeout(Math.floor(this.ttlMs / 3))]);
      if (given.aborted) return Promise.reject(new Error(`lease ${this.name} not renewed within its TTL`));
      const over = new Promise<never>((_, reject) => given.addEventListener('abort', () => reject(new Error(`lease ${this.name}: no answer from the store in time`)), { once: true }));
      over.catch(() => undefined);
      return Promise.race([this.take(), over]);
    };
    return withRetry(attempt, retries, { signal, onFailure: (error) => stopped.aborted || onFailure(error) });
  }

  /** Takes or renews the lease; a renewal later than the TTL, or refused, breaks the hold heldThroughout answers for. */
  private async take(): Promise<boolean> {
    const asked = performance.now();
    const written = this.store.acquireLease(this.name, this.owner, this.ttlMs);
    this.write = written.catch(() => undefined);
    const held = await written;
    // The store wrote the lease between the ask and the answer: the last one lasts at least its TTL from its ask, and
    // this one was written before the answer. Unbroken only when the answer came within that TTL.
    if (this.renewedAt !== null) this.renewedAt = held && performance.now() - this.renewedAt < this.ttlMs ? asked : null;
    return held;
  }

  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.renewing?.abort();
    this.renewing = null;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.renewal;
    await this.write;
    await this.store.releaseLease(this.name, this.owner);
  }
}
