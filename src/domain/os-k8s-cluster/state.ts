import type { ProvisioningFailureReason } from './events';

/** Why the cluster failed: its provisioning, or a later operation NFVCL failed (the cluster may still be usable after a scale-out). */
export type ClusterFailureReason = ProvisioningFailureReason | 'scale-out-failed' | 'delete-failed';

export type OsK8sClusterStatus = 'Provisioning' | 'Provisioned' | 'Failed';

export interface ExistingOsK8sCluster {
  kind: 'exists';
  smoId: string;
  status: OsK8sClusterStatus;
  /** `smo`: provisioned through SMO; `nfvcl-sync`: found in NFVCL by a sync. */
  origin: 'smo' | 'nfvcl-sync';
  popArea: number | null;
  vimName: string | null;
  blueprintId: string | null;
  taskId: string | null;
  mgmtNetwork: string | null;
  serviceNetwork: string | null;
  workers: number | null;
  masterFlavor: unknown;
  karmada: 'awaiting-join' | 'not-configured' | null;
  failure: { reason: ClusterFailureReason; detail: string } | null;
  decommissioned: boolean;
  /**
   * Of `workers`, those counted from scale-outs NFVCL has not reported since (a sync or a provisioning record sets
   * `workers` from NFVCL): what a failed add_node may take back. Absent: none.
   */
  workersUnconfirmed?: number;
}

export type OsK8sClusterState = { kind: 'none' } | ExistingOsK8sCluster;

export const initialOsK8sClusterState: OsK8sClusterState = { kind: 'none' };

/** Known and not decommissioned. */
export function isLive(state: OsK8sClusterState): state is ExistingOsK8sCluster {
  return state.kind === 'exists' && !state.decommissioned;
}
