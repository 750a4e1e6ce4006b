import type { ObservedCluster } from './observed-cluster';

export interface ClusterRegistered {
  type: 'ClusterRegistered';
  data: { name: string; observed: ObservedCluster };
}

/** Capacity, location or network details changed (availability has its own events). */
export interface ClusterCapacityObserved {
  type: 'ClusterCapacityObserved';
  data: { name: string; observed: ObservedCluster };
}

export interface ClusterUnavailable {
  type: 'ClusterUnavailable';
  data: { name: string; reason: string };
}

export interface ClusterRecovered {
  type: 'ClusterRecovered';
  data: { name: string };
}

export interface ClusterRemoved {
  type: 'ClusterRemoved';
  data: { name: string };
}

export interface ClusterDashboardPublished {
  type: 'ClusterDashboardPublished';
  data: { name: string; uid: string; url: string };
}

export type ClusterEvent =
  | ClusterRegistered
  | ClusterCapacityObserved
  | ClusterUnavailable
  | ClusterRecovered
  | ClusterRemoved
  | ClusterDashboardPublished;

export const CLUSTER_CATEGORY = 'cluster';

export function clusterStream(name: string): string {
  return `${CLUSTER_CATEGORY}-${name}`;
}
