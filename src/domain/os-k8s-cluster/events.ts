/**
 * The life of an OpenStack Kubernetes cluster SMO asked NFVCL for (or found in NFVCL): requested,
 * then provisioned or failed, scaled out, decommissioned. Stream `oscluster-<smo_id>`.
 */
import { eventGuard } from '../event-schema';

/** What NFVCL reports about a blueprint's cluster (upstream's sync field map). */
export interface BlueprintFacts {
  blueprintId: string;
  popArea: number | null;
  masterFlavor: unknown;
  mgmtNetwork: string | null;
  serviceNetwork: string | null;
  workers: number | null;
}

export interface ClusterProvisioningRequested {
  type: 'ClusterProvisioningRequested';
  data: {
    smoId: string;
    popArea: number;
    vimId: number;
    vimName: string;
    mgmtNetwork: string;
    serviceNetwork: string;
    workerReplicas: number;
    /** Known at once when NFVCL names it in its answer; otherwise from the finished task. */
    blueprintId: string | null;
    taskId: string | null;
    /** `sync`: NFVCL answered at once (2024); `async`: it accepted a task (202). */
    nfvclAnswer: 'sync' | 'async';
    nfvclRequest: unknown;
    /** NFVCL's answer, scrubbed of secrets. */
    nfvclResponse: unknown;
  };
}

export interface ClusterProvisioned {
  type: 'ClusterProvisioned';
  data: {
    smoId: string;
    blueprintId: string;
    popArea: number;
    workers: number;
    masterFlavor: unknown;
    /** With a Karmada kubeconfig SMO expects the cluster to join (the cluster sync sees it then); SMO does not join it itself. */
    karmada: 'awaiting-join' | 'not-configured';
  };
}

export type ProvisioningFailureReason = 'task-failed' | 'blueprint-error' | 'blueprint-gone' | 'no-blueprint-id' | 'timeout';

export interface ClusterProvisioningFailed {
  type: 'ClusterProvisioningFailed';
  data: { smoId: string; blueprintId: string | null; taskId: string | null; reason: ProvisioningFailureReason; detail: string };
}

export interface ClusterScaledOut {
  type: 'ClusterScaledOut';
  data: { smoId: string; blueprintId: string; popArea: number | null; addedWorkers: number; workers: number; taskId: string | null; nfvclResponse: unknown };
}

export interface ClusterDecommissioned {
  type: 'ClusterDecommissioned';
  data: {
    smoId: string;
    blueprintId: string | null;
    taskId: string | null;
    /** `requested`: DELETE through SMO; `absent-from-nfvcl`: a sync no longer found its blueprint. */
    reason: 'requested' | 'absent-from-nfvcl';
  };
}

/**
 * NFVCL's add_node task failed (or the blueprint reports an error after it): the workers asked for are not counted
 * (`workers`: the count before the scale-out). NFVCL sets the blueprint in error; the cluster says so.
 */
export interface ClusterScaleOutFailed {
  type: 'ClusterScaleOutFailed';
  data: { smoId: string; blueprintId: string; taskId: string | null; addedWorkers: number; workers: number; detail: string };
}

/** What SMO knew of a cluster when it was decommissioned: a cluster NFVCL failed to delete is live again with it. */
export interface DecommissionedCluster {
  status: 'Provisioning' | 'Provisioned' | 'Failed';
  origin: 'smo' | 'nfvcl-sync';
  popArea: number | null;
  vimName: string | null;
  mgmtNetwork: string | null;
  serviceNetwork: string | null;
  workers: number | null;
  masterFlavor: unknown;
  karmada: 'awaiting-join' | 'not-configured' | null;
}

/**
 * NFVCL's delete of the cluster's blueprint failed: the blueprint and its VMs are still there (in error). The cluster,
 * decommissioned when NFVCL accepted the delete, is live again, Failed with the reason, so it can be deleted again.
 */
export interface ClusterDeletionFailed {
  type: 'ClusterDeletionFailed';
  data: { smoId: string; blueprintId: string; taskId: string | null; detail: string; cluster: DecommissionedCluster };
}

/** A blueprint found in NFVCL that SMO did not know (upstream sync "added"). */
export interface ClusterImported {
  type: 'ClusterImported';
  data: BlueprintFacts & { smoId: string };
}

/** What a sync found changed in NFVCL (upstream sync "updated"). */
export interface ClusterStateSynced {
  type: 'ClusterStateSynced';
  data: BlueprintFacts & { smoId: string };
}

export type OsK8sClusterEvent =
  | ClusterProvisioningRequested
  | ClusterProvisioned
  | ClusterProvisioningFailed
  | ClusterScaledOut
  | ClusterDecommissioned
  | ClusterImported
  | ClusterStateSynced
  | ClusterScaleOutFailed
  | ClusterDeletionFailed;

/** Every OsK8sClusterEvent type: the stream's guard. */
export const OS_K8S_CLUSTER_EVENT_TYPES: Record<OsK8sClusterEvent['type'], true> = {
  ClusterProvisioningRequested: true,
  ClusterProvisioned: true,
  ClusterProvisioningFailed: true,
  ClusterScaledOut: true,
  ClusterDecommissioned: true,
  ClusterImported: true,
  ClusterStateSynced: true,
  ClusterScaleOutFailed: true,
  ClusterDeletionFailed: true,
};
export const isOsK8sClusterEvent = eventGuard<OsK8sClusterEvent>(OS_K8S_CLUSTER_EVENT_TYPES);

export const OS_K8S_CLUSTER_CATEGORY = 'oscluster';

export function osK8sClusterStream(smoId: string): string {
  return `${OS_K8S_CLUSTER_CATEGORY}-${smoId}`;
}
