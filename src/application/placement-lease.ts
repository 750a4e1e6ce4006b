import { randomUUID } from 'node:crypto';
import { BRIEF_LEASE_POLL, LeaseKeeper } from '../processing/lease-keeper';
import type { ReadStore } from '../readstore/read-store';

/**
 * The lease's name in the read store. It was the approvals' alone before automatic placements took it too; the
 * name stays, so that instances of both versions exclude each other during a rolling upgrade.
 */
const PLACEMENT_LEASE = 'placement-approval';

/**
 * One placement decision at a time across SMO instances: an approval's capacity check and its append, an
 * automatic placement's decision and its record. Each reads the capacity left from the placement ledger (once it
 * holds every event recorded before it) and appends to its own graph's stream, so two at once could both take
 * the same capacity; under this lease of the read store, which every instance shares, the second decides on
 * the clusters with the first's placement. The optimistic alternative, an append with the expected revision of
 * what was read, has no stream to hang on: the decision reads the inventory and every graph's placements (read
 * models). The lease is renewed while held and lapses (SMO_LEASE_TTL) when its instance dies; `held` says whether
 * it has been ours throughout, just before the append (a pause between that and the append is not fenced).
 */
export class PlacementLease {
  constructor(
    private readonly readStore: ReadStore,
    private readonly ttlMs: number,
  ) {}

  /**
   * Runs `work` holding the lease. Waits for it until `signal` aborts, then throws what `busy` makes, having run
   * nothing. Holders hold it briefly, so a waiter asks again soon, then less often (BRIEF_LEASE_POLL).
   */
  async run<T>(signal: AbortSignal, busy: () => Error, work: (held: () => Promise<boolean>) => Promise<T>): Promise<T> {
    const lease = new LeaseKeeper(this.readStore, PLACEMENT_LEASE, randomUUID(), this.ttlMs);
    if (!(await lease.acquire(signal, () => undefined, BRIEF_LEASE_POLL))) throw busy();
    let lost = false;
    lease.keepRenewed(() => (lost = true));
    try {
      return await work(async () => !lost && (await lease.heldThroughout()));
    } finally {
      await lease.release();
    }
  }
}
