import type { BlueprintFacts, OsK8sClusterEvent } from './events';
import type { ExistingOsK8sCluster, OsK8sClusterState } from './state';

export function evolveOsK8sCluster(state: OsK8sClusterState, event: OsK8sClusterEvent): OsK8sClusterState {
  switch (event.type) {
    case 'ClusterProvisioningRequested': {
      const d = event.data;
      return {
        kind: 'exists',
        smoId: d.smoId,
        status: 'Provisioning',
        origin: 'smo',
        popArea: d.popArea,
        vimName: d.vimName,
        blueprintId: d.blueprintId,
        taskId: d.taskId,
        mgmtNetwork: d.mgmtNetwork,
        serviceNetwork: d.serviceNetwork,
        workers: null,
        masterFlavor: null,
        karmada: null,
        failure: null,
        decommissioned: false,
      };
    }
    case 'ClusterImported':
      return {
        kind: 'exists',
        smoId: event.data.smoId,
        status: 'Provisioned',
        origin: 'nfvcl-sync',
        vimName: null,
        taskId: null,
        karmada: null,
        failure: null,
        decommissioned: false,
        ...facts(event.data),
      };
    case 'ClusterProvisioned':
      return update(state, (s) => ({
        ...s,
        status: 'Provisioned',
        failure: null,
        blueprintId: event.data.blueprintId,
        popArea: event.data.popArea,
        workers: event.data.workers,
        workersUnconfirmed: 0,
        masterFlavor: event.data.masterFlavor ?? s.masterFlavor,
        karmada: event.data.karmada,
      }));
    case 'ClusterProvisioningFailed':
      return update(state, (s) => ({
        ...s,
        status: 'Failed',
        blueprintId: event.data.blueprintId ?? s.blueprintId,
        failure: { reason: event.data.reason, detail: event.data.detail },
      }));
    case 'ClusterScaledOut':
      return update(state, (s) => ({
        ...s,
        workers: event.data.workers,
        workersUnconfirmed: (s.workersUnconfirmed ?? 0) + event.data.addedWorkers,
        failure: s.failure?.reason === 'scale-out-failed' ? null : s.failure,
      }));
    case 'ClusterScaleOutFailed':
      return update(state, (s) => ({
        ...s,
        workers: event.data.workers,
        workersUnconfirmed: Math.max(0, (s.workersUnconfirmed ?? 0) - event.data.addedWorkers),
        failure: { reason: 'scale-out-failed', detail: event.data.detail },
      }));
    case 'ClusterDeletionFailed':
      // From the event alone: the read model no longer holds a decommissioned cluster.
      return {
        kind: 'exists',
        smoId: event.data.smoId,
        ...event.data.cluster,
        status: 'Failed',
        blueprintId: event.data.blueprintId,
        taskId: event.data.taskId,
        failure: { reason: 'delete-failed', detail: event.data.detail },
        decommissioned: false,
      };
    case 'ClusterStateSynced':
      // NFVCL's count of workers: every scale-out before it is in it, or failed.
      return update(state, (s) => ({ ...s, ...facts(event.data), workersUnconfirmed: 0 }));
    case 'ClusterDecommissioned':
      return update(state, (s) => ({ ...s, decommissioned: true }));
  }
}

function facts(data: BlueprintFacts): Pick<ExistingOsK8sCluster, 'blueprintId' | 'popArea' | 'masterFlavor' | 'mgmtNetwork' | 'serviceNetwork' | 'workers'> {
  return {
    blueprintId: data.blueprintId,
    popArea: data.popArea,
    masterFlavor: data.masterFlavor,
    mgmtNetwork: data.mgmtNetwork,
    serviceNetwork: data.serviceNetwork,
    workers: data.workers,
  };
}

function update(state: OsK8sClusterState, change: (state: ExistingOsK8sCluster) => ExistingOsK8sCluster): OsK8sClusterState {
  return state.kind === 'exists' ? change(state) : state;
}
