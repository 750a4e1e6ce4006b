import type { RecordedEvent } from '../src/eventstore/event-store';
import { evolveCluster, type ClusterState } from '../src/domain/cluster/decide';
import { CLUSTER_CATEGORY, isClusterEvent } from '../src/domain/cluster/events';
import type { ObservedCluster } from '../src/domain/cluster/observed-cluster';
import type { Projection } from '../src/processing/projection';

/** The cluster inventory SMO places on: what was last observed of each member cluster. */
export interface ClusterDocument extends ObservedCluster {
  /** A stable number for upstream's `id` field: the position of the cluster's first event. */
  id: number;
  grafana: string | null;
  registeredAt: string;
  updatedAt: string;
  /** When the inventory last showed this cluster's allocation change (absent in documents written before). */
  allocationObservedAt?: string;
}

export const clustersProjection: Projection<ClusterDocument> = {
  name: 'clusters',
  collection: 'clusters',
  filter: { streamCategories: [CLUSTER_CATEGORY] },
  documentIds: (event: RecordedEvent) => [event.streamId.slice(CLUSTER_CATEGORY.length + 1)],
  evolve: (doc, event) => {
    const previous: ClusterState = doc
      ? { kind: 'known', name: doc.name, observed: observedOf(doc), removed: false, dashboard: doc.grafana ? { uid: doc.name, url: doc.grafana } : null }
      : { kind: 'none' };
    if (!isClusterEvent(event)) return doc;
    const state = evolveCluster(previous, event);
    if (state.kind === 'none' || state.removed) return null;
    return {
      ...state.observed,
      id: doc?.id ?? event.position,
      grafana: state.dashboard?.url ?? null,
      registeredAt: doc?.registeredAt ?? event.created,
      updatedAt: event.created,
      allocationObservedAt: doc && sameAllocation(doc, state.observed) ? (doc.allocationObservedAt ?? doc.updatedAt) : event.created,
    };
  },
};

/** Whether two observations report the same allocatable and available amounts. */
function sameAllocation(a: ObservedCluster, b: ObservedCluster): boolean {
  return (
    a.cpuAvailable === b.cpuAvailable &&
    a.cpuAllocatable === b.cpuAllocatable &&
    a.memoryAvailableBytes === b.memoryAvailableBytes &&
    a.memoryAllocatableBytes === b.memoryAllocatableBytes &&
    a.gpuAvailable === b.gpuAvailable &&
    a.gpuAllocatable === b.gpuAllocatable
  );
}

function observedOf(doc: ClusterDocument): ObservedCluster {
  const { id: _id, grafana: _grafana, registeredAt: _registered, updatedAt: _updated, allocationObservedAt: _allocation, ...observed } = doc;
  return observed;
}
