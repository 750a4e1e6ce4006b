import type { ReadStore } from '../readstore/read-store';
import { sleep } from '../shared/retry';

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
   * Waits until the lease is ours (or the signal aborts). Polled often enough that a lease left by a dead owner is
   * taken over within about its TTL; `pollMs` for a lease held briefly, whose waiters should not lag it.
   */
  async acquire(signal: AbortSignal, onWaiting: () => void, pollMs = Math.max(50, this.ttlMs / 10)): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.store.acquireLease(this.name, this.owner, this.ttlMs)) return true;
      onWaiting();
      await sleep(pollMs, signal);
    }
    return false;
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
