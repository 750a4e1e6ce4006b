import type { ObservedCluster } from '../../domain/cluster/observed-cluster';

/** The cluster type is the domain's (it is stored in cluster events); re-exported for the adapters. */
export type { ObservedCluster };

/** Reads the member clusters; throws when the source cannot be reached. */
export interface ClusterInventoryPort {
  readonly mode: 'real' | 'simulated';
  listClusters(signal?: AbortSignal): Promise<ObservedCluster[]>;
}
