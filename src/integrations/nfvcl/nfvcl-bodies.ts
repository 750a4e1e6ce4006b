/**
 * Request bodies SMO sends to NFVCL, exactly as upstream builds them; the constants
 * are upstream's (`APIversion: "v3.3"`, `insecure: true`, vxlan networks, 20 service IPs).
 */

export interface NetworkSpec {
  name: string;
  cidr: string;
  gateway: string;
}

export interface VimRegistration {
  topology: string;
  popArea: number;
  vimName: string;
  tenantName: string;
  user: string;
  password: string;
  vimUrl: string;
  mgmtNetwork: NetworkSpec;
  serviceNetwork: NetworkSpec;
  useFloatingIp: boolean;
}

export interface TopologyBody {
  id: string;
  callback: null;
  vims: Array<{
    name: string;
    vim_type: 'openstack';
    schema_version: '1.0';
    vim_url: string;
    vim_tenant_name: string;
    vim_user: string;
    vim_password: string;
    config: { insecure: true; APIversion: 'v3.3'; use_floating_ip: boolean };
    networks: string[];
    areas: number[];
  }>;
  kubernetes: [];
  networks: Array<{ name: string; external: false; type: 'vxlan'; vid: null; dhcp: true; ids?: []; cidr: string; gateway_ip: string }>;
  routers: [];
  pdus: [];
  prometheus_srv: [];
}

/** `POST /v1/topology`: a whole topology holding the VIM and its two networks. */
export function topologyBody(vim: VimRegistration): TopologyBody {
  const { mgmtNetwork: mgmt, serviceNetwork: service } = vim;
  return {
    id: vim.topology,
    callback: null,
    vims: [
      {
        name: vim.vimName,
        vim_type: 'openstack',
        schema_version: '1.0',
        vim_url: vim.vimUrl,
        vim_tenant_name: vim.tenantName,
        vim_user: vim.user,
        vim_password: vim.password,
        config: { insecure: true, APIversion: 'v3.3', use_floating_ip: vim.useFloatingIp },
        networks: [mgmt.name, service.name],
        areas: [vim.popArea],
      },
    ],
    kubernetes: [],
    networks: [
      { name: mgmt.name, external: false, type: 'vxlan', vid: null, dhcp: true, cidr: mgmt.cidr, gateway_ip: mgmt.gateway },
      { name: service.name, external: false, type: 'vxlan', vid: null, dhcp: true, ids: [], cidr: service.cidr, gateway_ip: service.gateway },
    ],
    routers: [],
    pdus: [],
    prometheus_srv: [],
  };
}

export interface K8sCreateBody {
  areas: Array<{
    area_id: number;
    is_master_area: true;
    mgmt_net: string;
    additional_networks: string[];
    service_net_required_ip_number: number;
    worker_replicas: number;
  }>;
}

/** `POST /nfvcl/v2/api/blue/k8s`: one master area on the VIM's networks. */
export function k8sCreateBody(area: { popArea: number; mgmtNetwork: string; serviceNetwork: string; workerReplicas: number }): K8sCreateBody {
  return {
    areas: [
      {
        area_id: area.popArea,
        is_master_area: true,
        mgmt_net: area.mgmtNetwork,
        additional_networks: [area.serviceNetwork],
        service_net_required_ip_number: 20,
        worker_replicas: area.workerReplicas,
      },
    ],
  };
}

export interface K8sAddNodeBody {
  areas: Array<{ area_id: number; is_master_area: false; mgmt_net: string | null; service_net: string | null; worker_replicas: number }>;
}

/** `…/k8s/add_node?blue_id=`: more workers in the cluster's area. */
export function k8sAddNodeBody(area: { popArea: number; mgmtNetwork: string | null; serviceNetwork: string | null; workerReplicas: number }): K8sAddNodeBody {
  return {
    areas: [{ area_id: area.popArea, is_master_area: false, mgmt_net: area.mgmtNetwork, service_net: area.serviceNetwork, worker_replicas: area.workerReplicas }],
  };
}
