/**
 * Builders of realistic Kubernetes objects for the fake API server (the shapes Karmada,
 * Kubernetes and Submariner serve). Values are illustrative; every knob a test needs has an option.
 */

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
};

export interface KarmadaClusterInput {
  name: string;
  cpu?: string;
  memory?: string;
  allocatedCpu?: string;
  allocatedMemory?: string;
  /** Requests of pods not scheduled yet. */
  allocatingCpu?: string;
  allocatingMemory?: string;
  gpu?: number | string;
  allocatedGpu?: number | string;
  gpuResource?: string;
  /** true: Ready/ClusterReady; false: ClusterNotReady; 'unreachable': ClusterNotReachable. */
  ready?: boolean | 'unreachable';
  /** false drops status.resourceSummary, as for a member that has not reported yet. */
  resourceSummary?: boolean;
  region?: string;
  zone?: string;
  zones?: string[];
  provider?: string;
  labels?: Record<string, string>;
}

let serial = 0;

/** A `cluster.karmada.io/v1alpha1` Cluster as karmada-aggregated-apiserver returns it. */
export function karmadaCluster(input: KarmadaClusterInput): KubeObject {
  const index = ++serial;
  const gpuResource = input.gpuResource ?? 'nvidia.com/gpu';
  const withGpu = (list: Record<string, string>, amount: number | string | undefined) =>
    amount === undefined ? list : { ...list, [gpuResource]: String(amount) };
  const spec: Record<string, unknown> = {
    id: `0f3c${index.toString(16).padStart(4, '0')}-6a1e-4c2b-9d55-1b7e2f0c${index.toString(16).padStart(4, '0')}`,
    syncMode: 'Push',
    apiEndpoint: `https://10.0.3.${20 + (index % 200)}:6443`,
    secretRef: { namespace: 'karmada-cluster', name: input.name },
    impersonatorSecretRef: { namespace: 'karmada-cluster', name: `${input.name}-impersonator` },
  };
  if (input.provider !== undefined) spec.provider = input.provider;
  if (input.region !== undefined) spec.region = input.region;
  if (input.zone !== undefined) spec.zone = input.zone;
  if (input.zones !== undefined) spec.zones = input.zones;

  const status: Record<string, unknown> = {
    kubernetesVersion: 'v1.30.4',
    apiEnablements: [
      { groupVersion: 'apps/v1', resources: [{ name: 'deployments', kind: 'Deployment' }] },
      { groupVersion: 'multicluster.x-k8s.io/v1alpha1', resources: [{ name: 'serviceexports', kind: 'ServiceExport' }] },
    ],
    conditions: [readyCondition(input.ready ?? true), {
      type: 'CompleteAPIEnablements', status: 'True', reason: 'Complete',
      message: 'cluster has collected all API resources', lastTransitionTime: '2025-05-02T09:12:44Z',
    }],
    nodeSummary: { totalNum: 2, readyNum: input.ready === false ? 0 : 2 },
  };
  if (input.resourceSummary !== false) {
    status.resourceSummary = {
      allocatable: withGpu({ cpu: input.cpu ?? '8', memory: input.memory ?? '16Gi', pods: '220', 'ephemeral-storage': '95500736762' }, input.gpu),
      allocating: { cpu: input.allocatingCpu ?? '0', memory: input.allocatingMemory ?? '0', pods: '0' },
      allocated: withGpu(
        { cpu: input.allocatedCpu ?? '1950m', memory: input.allocatedMemory ?? '2Gi', pods: '19' },
        input.allocatedGpu ?? (input.gpu === undefined ? undefined : 0),
      ),
    };
  }
  return {
    apiVersion: 'cluster.karmada.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: input.name,
      uid: `c1a5${index.toString().padStart(8, '0')}`,
      resourceVersion: String(1000 + index),
      creationTimestamp: '2025-05-02T09:10:00Z',
      labels: input.labels ?? {},
    },
    spec,
    status,
  };
}

function readyCondition(ready: boolean | 'unreachable') {
  const base = { type: 'Ready', lastTransitionTime: '2025-05-02T09:12:44Z' };
  if (ready === true) return { ...base, status: 'True', reason: 'ClusterReady', message: 'cluster is healthy and ready to accept workloads' };
  if (ready === false) return { ...base, status: 'False', reason: 'ClusterNotReady', message: 'cluster is reachable but health endpoint responded without ok' };
  return { ...base, status: 'False', reason: 'ClusterNotReachable', message: 'cluster is not reachable' };
}

/** A broker `submariner.io/v1` Cluster (snake_case spec). */
export function submarinerCluster(input: {
  clusterId: string;
  podCidr?: string;
  serviceCidr?: string;
  namespace?: string;
}): KubeObject {
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Cluster',
    metadata: { name: input.clusterId, namespace: input.namespace ?? 'submariner-k8s-broker' },
    spec: {
      cluster_id: input.clusterId,
      color_codes: ['blue'],
      cluster_cidr: input.podCidr === undefined ? [] : [input.podCidr],
      service_cidr: input.serviceCidr === undefined ? [] : [input.serviceCidr],
      global_cidr: [],
    },
  };
}

export interface GatewayConnectionInput {
  clusterId: string;
  /** Go duration text, e.g. "1.2ms" or "850µs". */
  averageRtt: string;
  status?: 'connected' | 'connecting' | 'error';
}

/** A `submariner.io/v1` Gateway of one member cluster, with its connections to the others. */
export function submarinerGateway(input: {
  clusterId: string;
  connections: GatewayConnectionInput[];
  namespace?: string;
}): KubeObject {
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Gateway',
    metadata: { name: `${input.clusterId}-gw`, namespace: input.namespace ?? 'submariner-operator' },
    status: {
      version: 'v0.18.0',
      haStatus: 'active',
      statusFailure: '',
      localEndpoint: endpoint(input.clusterId),
      connections: input.connections.map((connection) => ({
        status: connection.status ?? 'connected',
        statusMessage: '',
        endpoint: endpoint(connection.clusterId),
        usingIP: '172.18.0.9',
        usingNAT: false,
        latencyRTT: {
          last: connection.averageRtt,
          min: connection.averageRtt,
          average: connection.averageRtt,
          max: connection.averageRtt,
          stdDev: '0s',
        },
      })),
    },
  };
}

function endpoint(clusterId: string) {
  return {
    cluster_id: clusterId,
    cable_name: `submariner-cable-${clusterId}-172-18-0-9`,
    healthCheckIP: '10.10.0.1',
    hostname: `${clusterId}-worker`,
    subnets: ['10.10.0.0/16', '10.110.0.0/16'],
    private_ip: '172.18.0.9',
    public_ip: '203.0.113.9',
    nat_enabled: false,
    backend: 'libreswan',
    backend_config: {},
  };
}

export interface DeploymentInput {
  name: string;
  namespace: string;
  replicas?: number;
  availableReplicas?: number;
  /** limits.cpu of the first container; omitted when undefined. */
  cpuLimit?: string;
}

/** An apps/v1 Deployment template in karmada-apiserver, with member status aggregated back. */
export function deployment(input: DeploymentInput): KubeObject {
  const replicas = input.replicas ?? 1;
  const available = input.availableReplicas ?? replicas;
  const resources = input.cpuLimit === undefined ? {} : { limits: { cpu: input.cpuLimit, memory: '512Mi' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      uid: `d3b1${(++serial).toString().padStart(8, '0')}`,
      resourceVersion: '1',
      generation: 1,
      labels: { app: input.name },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: input.name } },
      template: {
        metadata: { labels: { app: input.name } },
        spec: { containers: [{ name: input.name, image: `registry.local/${input.name}:1.0`, resources }] },
      },
    },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas: available,
      updatedReplicas: replicas,
      availableReplicas: available,
    },
  };
}
