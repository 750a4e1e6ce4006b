import type { Logger } from '../observability/logger';
import type { ReadStore } from '../readstore/read-store';
import { sleep } from '../shared/retry';
import { LeaseKeeper } from './lease-keeper';

/** Where each job's holder records how the job goes: one document per job, its id the lease's name. */
const JOB_STATUS_COLLECTION = 'job-status';

/**
 * The lease of a periodic job (the cluster sync, the autoscaler): one SMO instance at a time does the job's work,
 * and the job fails over as a runner does (LeaseKeeper): renewed every third of SMO_LEASE_TTL while held, asked for
 * every tenth of it by the instances standing by, so that a dead holder's job resumes elsewhere about one TTL after
 * its last renewal, however long the job's own interval. The lease is not the job's cadence: the job still works
 * once an interval on the instance that holds it.
 *
 * The holder records how its job goes (record()), in the read store every instance shares: an instance standing by
 * reports that (recorded()), not the "never ran" of its own idle job.
 */
export class JobLease<Status extends object> {
  private readonly keeper: LeaseKeeper;
  /** Taken, and not lost since (keepRenewed's renewals run meanwhile). */
  private held = false;

  constructor(
    private readonly deps: { readStore: ReadStore; logger: Logger; owner: string; ttlMs: number },
    readonly name: string,
  ) {
    this.keeper = new LeaseKeeper(deps.readStore, name, deps.owner, deps.ttlMs);
  }

  /** How often an instance standing by reads the holder's recorded status again: what it reports is at most one TTL older, whatever the job's interval. */
  get standbyStatusPollMs(): number {
    return this.deps.ttlMs;
  }

  /** Whether this instance holds the lease as far as it knows, without asking the store: taken, and renewed in time since. */
  get holding(): boolean {
    return this.held && this.keeper.renewedInTime();
  }

  /**
   * Whether this instance holds the lease: without a store round trip while it holds it, renewed in time; otherwise
   * asked for once (and, taken, kept renewed from then on).
   */
  async hold(): Promise<boolean> {
    if (this.holding) return true;
    this.keeper.stopRenewing();
    this.held = false;
    if (!(await this.keeper.tryAcquire())) return false;
    this.held = true;
    this.keeper.keepRenewed(
      () => {
        if (!this.held) return;
        this.held = false;
        this.keeper.stopRenewing();
        this.deps.logger.warn({ job: this.name }, 'job lease lost; standing by');
      },
      (error) => this.deps.logger.warn({ job: this.name, err: error instanceof Error ? error.message : String(error) }, 'job lease not renewed; retried while it lasts'),
    );
    return true;
  }

  /**
   * Waits `ms` (or until `signal` aborts). While this instance stands by (from the start, or once it lost the lease
   * meanwhile) it asks for the lease every tenth of its TTL, and stops waiting as soon as it took it: true then (the
   * job is this instance's from now on).
   */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    const until = performance.now() + ms;
    for (;;) {
      const left = until - performance.now();
      await sleep(Math.max(0, Math.min(left, this.keeper.standbyPollMs)), signal);
      // At the end of the wait the job asks itself (hold()).
      if (signal.aborted || left <= this.keeper.standbyPollMs) return false;
      if (!this.held && (await this.hold())) return true;
    }
  }

  async release(): Promise<void> {
    this.held = false;
    await this.keeper.release();
  }

  /**
   * Records the holder's status for the instances standing by (best effort: the job records again at its next pass).
   * Only while this instance holds the lease, renewed in time: one that lost it, or was paused past the TTL (another
   * instance may have taken the job meanwhile), would overwrite the holder's.
   */
  async record(status: Status): Promise<void> {
    if (!this.holding) return;
    try {
      const stored = await this.deps.readStore.get<Status>(JOB_STATUS_COLLECTION, this.name);
      await this.deps.readStore.commit([{ kind: 'upsert', collection: JOB_STATUS_COLLECTION, id: this.name, doc: status, position: (stored?.position ?? 0) + 1 }]);
    } catch (error) {
      this.deps.logger.debug({ job: this.name, err: error instanceof Error ? error.message : String(error) }, 'job status not recorded');
    }
  }

  /** The status the holder recorded last; null when none has been (no holder yet, or one of a version that records none). */
  async recorded(): Promise<Status | null> {
    return (await this.deps.readStore.get<Status>(JOB_STATUS_COLLECTION, this.name))?.doc ?? null;
  }
}
