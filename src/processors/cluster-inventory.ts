import type { ClusterCapacity } from '../optimizer/model';
import type { CachingReadStore } from '../readstore/caching-read-store';
import { effectiveClusters, type OwnGraph } from './placed-demand';

const LABEL_ONLY_GPUS = 1000;

/** The simulated Karmada reports SMO's own placements as allocated; a real one only pods that request resources. */
export function inventoryShowsPlacements(modes: ReadonlyArray<{ name: string; mode: string }>): boolean {
  return modes.some((m) => m.name === 'karmada' && m.mode === 'simulated');
}

/**
 * The clusters SMO may place on, from the clusters read model less SMO's own placements the
 * inventory does not show yet (see placed-demand.ts), in a deterministic order (by name).
 */
export async function clusterCapacities(readStore: CachingReadStore, ledger: { now: Date; ttlMs: number; own?: OwnGraph }): Promise<ClusterCapacity[]> {
  const clusters = await effectiveClusters(readStore, ledger.now, ledger.ttlMs, ledger.own);
  return clusters.map((doc) => ({
    name: doc.name,
    cpu: doc.cpuAvailable,
    memoryBytes: doc.memoryAllocatableBytes > 0 ? doc.memoryAvailableBytes : null,
    // A cluster accelerated by label only reports no GPU count: do not let the count bind.
    gpu: doc.gpuAllocatable > 0 ? doc.gpuAvailable : doc.acceleration ? LABEL_ONLY_GPUS : 0,
    available: doc.available,
    ...(doc.labels ? { labels: doc.labels } : {}),
  }));
}
