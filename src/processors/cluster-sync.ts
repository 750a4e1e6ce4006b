import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../application/command-handler';
import type { ClusterCommand } from '../domain/cluster/decide';
import type { ClusterInventoryPort } from '../integrations/karmada/cluster-inventory.port';
import type { Logger } from '../observability/logger';
import { JobLease } from '../processing/job-lease';
import type { ReadStore } from '../readstore/read-store';
import { sleep } from '../shared/retry';
import type { ClusterDocument } from '../../projections/clusters.projection';

export interface ClusterSyncStatus {
  mode: 'real' | 'simulated';
  lastSyncAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  clusters: number;
}

const LEASE = 'job:cluster-sync';

/** What the instance that syncs records of its syncs (JobLease): the instances standing by show it, and a first sync there is theirs too. */
type RecordedSyncStatus = Omit<ClusterSyncStatus, 'mode'>;

/** How often an instance standing by looks for the first sync of the one that syncs, until it has seen one. */
const FIRST_SYNC_POLL_MS = 250;

/**
 * Keeps the cluster streams in step with Karmada: at start-up (a source that cannot be reached
 * is retried with backoff and reported, never fatal) and then every interval. Commands only turn
 * into events when something changed. One instance syncs at a time (a lease, JobLease): when it dies, another syncs
 * about one SMO_LEASE_TTL later.
 */
export class ClusterSync {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private state: ClusterSyncStatus;
  private synced!: () => void;
  private seenSync = false;
  private readonly firstSync = new Promise<void>((resolve) => (this.synced = resolve));
  private readonly lease: JobLease<RecordedSyncStatus>;

  constructor(
    private readonly deps: {
      inventory: ClusterInventoryPort;
      /** Records an observation (the CommandBus in the app). */
      dispatch: (command: ClusterCommand, context: CommandContext) => Promise<unknown>;
      readStore: ReadStore;
      logger: Logger;
      intervalMs: number;
      owner: string;
      /** SMO_LEASE_TTL: how soon another instance syncs once this one died holding the sync's lease. */
      leaseTtlMs: number;
    },
  ) {
    this.state = { mode: deps.inventory.mode, lastSyncAt: null, lastError: null, consecutiveFailures: 0, clusters: 0 };
    this.lease = new JobLease({ readStore: deps.readStore, logger: deps.logger, owner: deps.owner, ttlMs: deps.leaseTtlMs }, LEASE);
    void this.firstSync.then(() => (this.seenSync = true));
  }

  /**
   * Resolves after the first successful sync (this instance's, or, while another instance holds the sync's lease, the
   * inventory that one recorded), or after `timeoutMs` (placement then works with what it has), or once the sync
   * stops (SMO shutting down: what waits for it must not hold the shutdown up).
   */
  async whenSynced(timeoutMs: number): Promise<void> {
    // Every placement asks: once synced, no timer and no signals to make (an abort makes a DOMException, stack and all).
    if (this.seenSync) return;
    const answered = new AbortController();
    await Promise.race([this.firstSync, sleep(timeoutMs, AbortSignal.any([this.abort.signal, answered.signal]))]);
    answered.abort(); // the sleep's timer with it
  }

  /** This instance's syncs, or, while another instance holds the sync's lease, that one's (as it last recorded them). */
  status(): ClusterSyncStatus {
    return { ...this.state };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.lease.release().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { intervalMs } = this.deps;
    while (!this.abort.signal.aborted) {
      let wait = intervalMs;
      try {
        if (await this.lease.hold()) await this.syncOnce();
        else {
          await this.syncedElsewhere();
          wait = Math.min(wait, this.lease.standbyStatusPollMs);
        }
      } catch (error) {
        if (this.abort.signal.aborted) break; // stopped mid-sync: no failure to report
        // Backoff from 1 s up to the interval while the source is unreachable.
        wait = Math.min(intervalMs, 1000 * 2 ** Math.min(this.state.consecutiveFailures - 1, 10));
        this.deps.logger.warn({ err: this.state.lastError ?? String(error), retryInMs: wait }, 'cluster sync failed');
      }
      // The instance that syncs records its first inventory any moment now: looked for again soon, not an interval later.
      if (!this.seenSync) wait = Math.min(wait, FIRST_SYNC_POLL_MS);
      // Standing by, the lease is asked for meanwhile: taken (its holder died), this instance syncs at once.
      await this.lease.wait(wait, this.abort.signal);
    }
  }

  /**
   * Another instance syncs (it holds the lease): its syncs are the ones this instance reports, and once it has recorded
   * an inventory, that is the one placements here read.
   */
  private async syncedElsewhere(): Promise<void> {
    const recorded = await this.lease.recorded();
    if (recorded) {
      const { lastSyncAt, lastError, consecutiveFailures, clusters } = recorded;
      this.state = { ...this.state, lastSyncAt, lastError, consecutiveFailures, clusters };
    }
    // An instance of an earlier version records no status: its inventory tells.
    if (recorded?.lastSyncAt || (await this.deps.readStore.find<ClusterDocument>('clusters', { limit: 1 })).length > 0) this.synced();
  }

  /** Records this instance's syncs for the instances standing by (best effort: the next sync records again). */
  private async record(): Promise<void> {
    const { mode: _mode, ...status } = this.state;
    await this.lease.record(status);
  }

  /** One pass: record what each cluster looks like now, and which clusters are gone. */
  async syncOnce(): Promise<void> {
    let observed;
    try {
      observed = await this.deps.inventory.listClusters(AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)]));
    } catch (error) {
      this.state = { ...this.state, lastError: error instanceof Error ? error.message : String(error), consecutiveFailures: this.state.consecutiveFailures + 1 };
      if (!this.abort.signal.aborted) await this.record();
      throw error;
    }
    const context = { commandId: randomUUID(), correlationId: `cluster-sync:${randomUUID()}`, actor: 'cluster-sync', now: new Date() };
    for (const cluster of observed) {
      await this.deps.dispatch({ type: 'ObserveCluster', data: { observed: cluster } }, { ...context, commandId: randomUUID() });
    }
    const seen = new Set(observed.map((c) => c.name));
    const known = await this.deps.readStore.find<ClusterDocument>('clusters');
    for (const { doc } of known.filter(({ doc }) => !seen.has(doc.name))) {
      await this.deps.dispatch({ type: 'ObserveClusterGone', data: { name: doc.name } }, { ...context, commandId: randomUUID() });
    }
    this.state = { ...this.state, lastSyncAt: new Date().toISOString(), lastError: null, consecutiveFailures: 0, clusters: observed.length };
    await this.record();
    this.synced();
  }
}
