import type { BlueprintFacts, OsK8sClusterEvent } from './events';

type DataOf<T extends OsK8sClusterEvent['type']> = Extract<OsK8sClusterEvent, { type: T }>['data'];

/**
 * Commands on an OpenStack Kubernetes cluster. The NFVCL call behind a command has already been
 * made (and accepted) when it is issued: the command records the fact and checks it may happen.
 */
export type OsK8sClusterCommand =
  | { type: 'RequestClusterProvisioning'; data: DataOf<'ClusterProvisioningRequested'> }
  | { type: 'RecordClusterProvisioned'; data: DataOf<'ClusterProvisioned'> }
  | { type: 'RecordClusterProvisioningFailure'; data: DataOf<'ClusterProvisioningFailed'> }
  | { type: 'ScaleOutCluster'; data: { smoId: string; addedWorkers: number; taskId: string | null; nfvclResponse: unknown } }
  | { type: 'DecommissionCluster'; data: { smoId: string; taskId: string | null; reason: DataOf<'ClusterDecommissioned'>['reason'] } }
  /** NFVCL's add_node (the ClusterScaledOut of `taskId`) failed. */
  | { type: 'RecordScaleOutFailure'; data: { smoId: string; taskId: string | null; addedWorkers: number; detail: string } }
  /** NFVCL's delete of the decommissioned cluster's blueprint failed. */
  | { type: 'RecordDeletionFailure'; data: { smoId: string; taskId: string | null; detail: string } }
  | { type: 'ImportCluster'; data: BlueprintFacts & { smoId: string } }
  /**
   * What a sync read of the cluster's blueprint. `ready`: NFVCL reports it idle without error; a cluster SMO had given up
   * on (Failed: its provisioning timed out, say) whose blueprint is ready is then Provisioned, with `karmada` as the
   * provisioning processor would have recorded it.
   */
  | { type: 'SyncClusterState'; data: BlueprintFacts & { smoId: string; ready: boolean; karmada: DataOf<'ClusterProvisioned'>['karmada'] } };
