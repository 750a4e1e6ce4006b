import type { VimNetwork } from '../../domain/vim/events';
import type { OsK8sClusterDocument } from '../../../projections/os-k8s-clusters.projection';
import type { VimDocument } from '../../../projections/vims.projection';

/** Upstream `VIM.as_dict()`: every column of table `vim`. */
export interface VimView {
  id: number;
  pop_area: number | null;
  vim_name: string;
  vim_url: string | null;
  vim_type: string;
  vim_networks: VimNetwork[];
  mgmt_network: string | null;
  service_network: string | null;
  use_floating_ip: boolean;
}

export function toVimView(doc: VimDocument): VimView {
  return {
    id: doc.vimId,
    pop_area: doc.popArea,
    vim_name: doc.name,
    vim_url: doc.url,
    vim_type: doc.vimType,
    vim_networks: doc.networks,
    mgmt_network: doc.mgmtNetwork,
    service_network: doc.serviceNetwork,
    use_floating_ip: doc.useFloatingIp,
  };
}

/** Upstream `OS_K8S_cluster.as_dict()`, plus the provisioning status SMO tracks. */
export interface OsK8sClusterView {
  smo_id: string;
  is_master_area: boolean;
  /** The NFVCL blueprint id. */
  nfvcl_id: string | null;
  pop_area: number | null;
  master_flavor: unknown;
  mgmt_network: string | null;
  service_network: string | null;
  running_workers: number | null;
  karmada_details: null;
  status: 'Provisioning' | 'Provisioned' | 'Failed';
  origin: 'smo' | 'nfvcl-sync';
  vim_name: string | null;
  karmada: 'awaiting-join' | 'not-configured' | null;
  failure: { reason: string; detail: string } | null;
  requested_at: string;
  updated_at: string;
}

export function toOsK8sClusterView(doc: OsK8sClusterDocument): OsK8sClusterView {
  const { state } = doc;
  return {
    smo_id: state.smoId,
    is_master_area: true,
    nfvcl_id: state.blueprintId,
    pop_area: state.popArea,
    master_flavor: state.masterFlavor ?? null,
    mgmt_network: state.mgmtNetwork,
    service_network: state.serviceNetwork,
    running_workers: state.workers,
    karmada_details: null,
    status: state.status,
    origin: state.origin,
    vim_name: state.vimName,
    karmada: state.karmada,
    failure: state.failure,
    requested_at: doc.requestedAt,
    updated_at: doc.updatedAt,
  };
}
