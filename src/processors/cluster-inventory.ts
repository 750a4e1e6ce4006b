import type { ClusterCapacity } from '../optimizer/model';
import type { ReadStore } from '../readstore/read-store';
import type { ClusterDocument } from '../../projections/clusters.projection';

const LABEL_ONLY_GPUS = 1000;

/** The clusters SMO may place on, from the clusters read model, in a deterministic order (by name). */
export async function clusterCapacities(readStore: ReadStore): Promise<ClusterCapacity[]> {
  const clusters = await readStore.find<ClusterDocument>('clusters', { orderBy: [{ field: 'name' }] });
  return clusters.map(({ doc }) => ({
    name: doc.name,
    cpu: doc.cpuAvailable,
    memoryBytes: doc.memoryAllocatableBytes > 0 ? doc.memoryAvailableBytes : null,
    // A cluster accelerated by label only reports no GPU count: do not let the count bind.
    gpu: doc.gpuAllocatable > 0 ? doc.gpuAvailable : doc.acceleration ? LABEL_ONLY_GPUS : 0,
    available: doc.available,
  }));
}
