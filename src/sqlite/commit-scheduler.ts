/** How long the commits of one turn of the event loop may block it before later ones wait for the turn's end. */
export const COMMIT_BUDGET_MS = 2;

/**
 * When a group commit of synchronous (node:sqlite) writes runs. A commit first waits only for the
 * writes queued in the same synchronous run (a microtask), and runs at once while the commits of
 * this turn of the event loop have blocked it for less than `budgetMs`: a command then pays for its
 * own fsync, not for the rest of the turn (every HTTP callback and runner slice queued before it).
 * Past the budget (a slow disk, or many writers in one turn) commits wait for the turn's end and
 * share one transaction, which amortises the fsync.
 */
export class CommitScheduler {
  private spentMs = 0;
  private resetQueued = false;

  constructor(private readonly budgetMs = COMMIT_BUDGET_MS) {}

  /** Runs `commit` soon (see above); settles once it has run, as it did. */
  schedule(commit: () => void): Promise<void> {
    const defer = this.spentMs >= this.budgetMs ? setImmediate : queueMicrotask;
    return new Promise((resolve, reject) =>
      defer(() => {
        const started = performance.now();
        try {
          commit();
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          this.spend(performance.now() - started);
        }
      }),
    );
  }

  private spend(ms: number): void {
    this.spentMs += ms;
    if (this.resetQueued) return;
    this.resetQueued = true;
    setImmediate(() => {
      this.spentMs = 0;
      this.resetQueued = false;
    });
  }
}
