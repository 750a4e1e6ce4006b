import type { ObservedCluster } from './observed-cluster';
import { eventGuard } from '../event-schema';

export interface ClusterRegistered {
  type: 'ClusterRegistered';
  data: { name: string; observed: ObservedCluster };
}

/** Capacity, location or network details changed (availability has its own events). */
export interface ClusterCapacityObserved {
  type: 'ClusterCapacityObserved';
  data: { name: string; observed: ObservedCluster };
}

/**
 * No longer available for placement. `lost`: what runs there is lost too (not Ready, or tainted NoExecute), and is
 * placed elsewhere; not when it is only cordoned (NoSchedule) or its resources are not reported. Recorded again when
 * that changes while it stays unavailable. Events before schema version 2 are upcast as lost (they were handled so).
 */
export interface ClusterUnavailable {
  type: 'ClusterUnavailable';
  data: { name: string; reason: string; lost: boolean };
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

/** The removed cluster's dashboard was deleted from Grafana. */
export interface ClusterDashboardRemoved {
  type: 'ClusterDashboardRemoved';
  data: { name: string; uid: string };
}

export type ClusterEvent =
  | ClusterRegistered
  | ClusterCapacityObserved
  | ClusterUnavailable
  | ClusterRecovered
  | ClusterRemoved
  | ClusterDashboardPublished
  | ClusterDashboardRemoved;

/** Every ClusterEvent type: the stream's guard. */
export const CLUSTER_EVENT_TYPES: Record<ClusterEvent['type'], true> = {
  ClusterRegistered: true,
  ClusterCapacityObserved: true,
  ClusterUnavailable: true,
  ClusterRecovered: true,
  ClusterRemoved: true,
  ClusterDashboardPublished: true,
  ClusterDashboardRemoved: true,
};
export const isClusterEvent = eventGuard<ClusterEvent>(CLUSTER_EVENT_TYPES);

export const CLUSTER_CATEGORY = 'cluster';

export function clusterStream(name: string): string {
  return `${CLUSTER_CATEGORY}-${name}`;
}
