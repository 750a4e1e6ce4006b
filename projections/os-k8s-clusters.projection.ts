import type { RecordedEvent } from '../src/eventstore/event-store';
import { OS_K8S_CLUSTER_CATEGORY, isOsK8sClusterEvent } from '../src/domain/os-k8s-cluster/events';
import { evolveOsK8sCluster } from '../src/domain/os-k8s-cluster/evolve';
import type { ExistingOsK8sCluster } from '../src/domain/os-k8s-cluster/state';

import type { Projection } from '../src/processing/projection';

/** The OpenStack Kubernetes clusters (upstream table `os_k8s_clusters`): the folded cluster state; a decommissioned cluster is removed. */
export interface OsK8sClusterDocument {
  smoId: string;
  /** Fields queries filter on. */
  status: ExistingOsK8sCluster['status'];
  popArea: number | null;
  blueprintId: string | null;
  /** Stream revision of the last event applied. */
  revision: number;
  requestedAt: string;
  updatedAt: string;
  state: ExistingOsK8sCluster;
}

export const osK8sClustersProjection: Projection<OsK8sClusterDocument> = {
  name: 'os-k8s-clusters',
  collection: 'os-k8s-clusters',
  filter: { streamCategories: [OS_K8S_CLUSTER_CATEGORY] },
  documentIds: (event: RecordedEvent) => [event.streamId.slice(OS_K8S_CLUSTER_CATEGORY.length + 1)],
  evolve: (doc, event) => {
    if (!isOsK8sClusterEvent(event)) return doc;
    const state = evolveOsK8sCluster(doc?.state ?? { kind: 'none' }, event);
    if (state.kind === 'none' || state.decommissioned) return null;
    // A cluster decommissioned and then found again by a sync starts a new life: a new request time.
    const fresh = !doc || event.type === 'ClusterProvisioningRequested' || event.type === 'ClusterImported';
    return {
      smoId: state.smoId,
      status: state.status,
      popArea: state.popArea,
      blueprintId: state.blueprintId,
      revision: event.revision,
      requestedAt: fresh ? event.created : doc.requestedAt,
      updatedAt: event.created,
      state,
    };
  },
};
