import type { ObservedCluster } from './observed-cluster';
import { DomainError, type Decider } from '../decider';
import { isClusterEvent, type ClusterEvent } from './events';

export type ClusterCommand =
  | { type: 'ObserveCluster'; data: { observed: ObservedCluster } }
  | { type: 'ObserveClusterGone'; data: { name: string } }
  | { type: 'RecordClusterDashboard'; data: { name: string; uid: string; url: string } }
  | { type: 'RecordClusterDashboardRemoved'; data: { name: string; uid: string } };

export type ClusterState =
  | { kind: 'none' }
  | { kind: 'known'; name: string; observed: ObservedCluster; removed: boolean; dashboard: { uid: string; url: string } | null };

export const initialClusterState: ClusterState = { kind: 'none' };

/** Turns an observation into events only when something changed. */
export function decideCluster(command: ClusterCommand, state: ClusterState): ClusterEvent[] {
  switch (command.type) {
    case 'ObserveCluster': {
      const { observed } = command.data;
      if (state.kind === 'none' || state.removed) return [{ type: 'ClusterRegistered', data: { name: observed.name, observed } }];
      const events: ClusterEvent[] = [];
      const { available: wasAvailable, workloadsRun: wereRunning, ...before } = state.observed;
      const { available, workloadsRun, ...after } = observed;
      if (JSON.stringify(before) !== JSON.stringify(after)) events.push({ type: 'ClusterCapacityObserved', data: { name: observed.name, observed } });
      // Unavailable for placement, and whether what runs there is lost; said again when that changes while it stays
      // unavailable (cordoned, then down: what ran there is placed elsewhere then).
      if (!available && (wasAvailable || wereRunning !== workloadsRun)) {
        const reason = workloadsRun
          ? 'not available for placement: tainted NoSchedule (cordoned) or its resources unknown; what runs there stays (the inventory log says which)'
          : 'lost: not Ready, or tainted NoExecute (the inventory log says which)';
        events.push({ type: 'ClusterUnavailable', data: { name: observed.name, reason, lost: !workloadsRun } });
      }
      if (!wasAvailable && available) events.push({ type: 'ClusterRecovered', data: { name: observed.name } });
      return events;
    }
    case 'ObserveClusterGone':
      if (state.kind === 'none' || state.removed) return [];
      return [{ type: 'ClusterRemoved', data: { name: command.data.name } }];
    case 'RecordClusterDashboard':
      if (state.kind === 'none') throw new DomainError('not-found', `Cluster ${command.data.name} not found`);
      return [{ type: 'ClusterDashboardPublished', data: command.data }];
    case 'RecordClusterDashboardRemoved':
      // Only the dashboard it still records: a cluster that came back meanwhile has its dashboard published again.
      if (state.kind === 'none' || state.dashboard?.uid !== command.data.uid) return [];
      return [{ type: 'ClusterDashboardRemoved', data: command.data }];
  }
}

/** Version of evolveCluster and of ClusterState's shape: bump it when either changes (older snapshots are then ignored). */
// 3: `observed.workloadsRun` (a cordoned cluster is unavailable for placement, its workloads not lost).
export const CLUSTER_EVOLVE_VERSION = 3;

export function evolveCluster(state: ClusterState, event: ClusterEvent): ClusterState {
  switch (event.type) {
    case 'ClusterRegistered':
      return { kind: 'known', name: event.data.name, observed: event.data.observed, removed: false, dashboard: state.kind === 'known' ? state.dashboard : null };
    case 'ClusterCapacityObserved':
      return state.kind === 'known' ? { ...state, observed: { ...event.data.observed, available: state.observed.available, workloadsRun: state.observed.workloadsRun } } : state;
    case 'ClusterUnavailable':
      return state.kind === 'known' ? { ...state, observed: { ...state.observed, available: false, workloadsRun: !event.data.lost } } : state;
    case 'ClusterRecovered':
      return state.kind === 'known' ? { ...state, observed: { ...state.observed, available: true, workloadsRun: true } } : state;
    case 'ClusterRemoved':
      return state.kind === 'known' ? { ...state, removed: true } : state;
    case 'ClusterDashboardPublished':
      return state.kind === 'known' ? { ...state, dashboard: { uid: event.data.uid, url: event.data.url } } : state;
    case 'ClusterDashboardRemoved':
      return state.kind === 'known' ? { ...state, dashboard: null } : state;
  }
}

export const clusterDecider: Decider<ClusterCommand, ClusterEvent, ClusterState> = {
  decide: decideCluster,
  evolve: evolveCluster,
  initialState: initialClusterState,
  isEvent: isClusterEvent,
  snapshotVersion: CLUSTER_EVOLVE_VERSION,
};
