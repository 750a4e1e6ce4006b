import { DomainError, type Decider } from '../decider';
import type { OsK8sClusterCommand } from './commands';
import { isOsK8sClusterEvent, type BlueprintFacts, type OsK8sClusterEvent } from './events';
import { evolveOsK8sCluster } from './evolve';
import { initialOsK8sClusterState, isLive, type ExistingOsK8sCluster, type OsK8sClusterState } from './state';

/** Upstream's 404 text on DELETE and scale-out (GET says `OS_K8S cluster not found`). */
export const CLUSTER_NOT_FOUND = 'OS K8S cluster not found';

/** The cluster's rules. Outcomes of provisioning are recorded once; a late or repeated one changes nothing. */
export function decideOsK8sCluster(command: OsK8sClusterCommand, state: OsK8sClusterState): OsK8sClusterEvent[] {
  switch (command.type) {
    case 'RequestClusterProvisioning':
      if (isLive(state)) throw new DomainError('conflict', `OS K8S cluster ${command.data.smoId} already exists`);
      return [{ type: 'ClusterProvisioningRequested', data: command.data }];
    case 'RecordClusterProvisioned':
      return provisioning(state) ? [{ type: 'ClusterProvisioned', data: command.data }] : [];
    case 'RecordClusterProvisioningFailure':
      return provisioning(state) ? [{ type: 'ClusterProvisioningFailed', data: command.data }] : [];
    case 'ScaleOutCluster': {
      const cluster = live(state);
      const blueprintId = scalable(cluster);
      const { smoId, addedWorkers, taskId, nfvclResponse } = command.data;
      if (!Number.isInteger(addedWorkers) || addedWorkers < 1) throw new DomainError('invalid', 'worker_replicas must be a positive integer');
      return [{ type: 'ClusterScaledOut', data: { smoId, blueprintId, popArea: cluster.popArea, addedWorkers, workers: (cluster.workers ?? 0) + addedWorkers, taskId, nfvclResponse } }];
    }
    case 'DecommissionCluster': {
      const cluster = live(state);
      return [{ type: 'ClusterDecommissioned', data: { smoId: cluster.smoId, blueprintId: cluster.blueprintId, taskId: command.data.taskId, reason: command.data.reason } }];
    }
    case 'RecordScaleOutFailure': {
      if (!isLive(state) || !state.blueprintId) return [];
      const { smoId, taskId, addedWorkers, detail } = command.data;
      // Only what no sync has replaced by NFVCL's own count since (the blueprint, in error, is no longer busy to it).
      const workers = Math.max(0, (state.workers ?? 0) - Math.min(addedWorkers, state.workersUnconfirmed ?? 0));
      return [{ type: 'ClusterScaleOutFailed', data: { smoId, blueprintId: state.blueprintId, taskId, addedWorkers, workers, detail } }];
    }
    case 'RecordDeletionFailure': {
      // Only a cluster still decommissioned comes back (a repeated outcome changes nothing).
      if (state.kind !== 'exists' || !state.decommissioned || !state.blueprintId) return [];
      const { status, origin, popArea, vimName, mgmtNetwork, serviceNetwork, workers, masterFlavor, karmada } = state;
      const cluster = { status, origin, popArea, vimName, mgmtNetwork, serviceNetwork, workers, masterFlavor, karmada };
      return [{ type: 'ClusterDeletionFailed', data: { ...command.data, blueprintId: state.blueprintId, cluster } }];
    }
    case 'ImportCluster':
      return isLive(state) ? [] : [{ type: 'ClusterImported', data: command.data }];
    case 'SyncClusterState': {
      const cluster = live(state);
      const { ready, karmada, ...facts } = command.data;
      const synced: OsK8sClusterEvent[] = sameFacts(cluster, facts) ? [] : [{ type: 'ClusterStateSynced', data: facts }];
      // NFVCL finished what SMO stopped waiting for (NFVCL_PROVISION_TIMEOUT) or reported failed: the cluster is usable.
      // Not one whose deletion failed: it was asked to go, and a delete again is what it waits for.
      if (!ready || cluster.status !== 'Failed' || cluster.failure?.reason === 'delete-failed') return synced;
      const { smoId, blueprintId } = facts;
      const popArea = facts.popArea ?? cluster.popArea ?? 0;
      return [...synced, { type: 'ClusterProvisioned', data: { smoId, blueprintId, popArea, workers: facts.workers ?? 0, masterFlavor: facts.masterFlavor ?? null, karmada } }];
    }
  }
}

/** Why a cluster cannot be scaled out, or its blueprint id. Also used before NFVCL is called. */
export function scalable(cluster: ExistingOsK8sCluster): string {
  if (cluster.status !== 'Provisioned' || !cluster.blueprintId) {
    throw new DomainError('conflict', `OS K8S cluster ${cluster.smoId} is ${cluster.status}; only a provisioned cluster can be scaled out`);
  }
  return cluster.blueprintId;
}

export function live(state: OsK8sClusterState): ExistingOsK8sCluster {
  if (!isLive(state)) throw new DomainError('not-found', CLUSTER_NOT_FOUND);
  return state;
}

function provisioning(state: OsK8sClusterState): boolean {
  return isLive(state) && state.status === 'Provisioning';
}

function sameFacts(cluster: ExistingOsK8sCluster, facts: BlueprintFacts): boolean {
  return (
    cluster.blueprintId === facts.blueprintId &&
    cluster.popArea === facts.popArea &&
    cluster.mgmtNetwork === facts.mgmtNetwork &&
    cluster.serviceNetwork === facts.serviceNetwork &&
    cluster.workers === facts.workers &&
    JSON.stringify(cluster.masterFlavor ?? null) === JSON.stringify(facts.masterFlavor ?? null)
  );
}

export const osK8sClusterDecider: Decider<OsK8sClusterCommand, OsK8sClusterEvent, OsK8sClusterState> = {
  decide: decideOsK8sCluster,
  evolve: evolveOsK8sCluster,
  initialState: initialOsK8sClusterState,
  isEvent: isOsK8sClusterEvent,
};
