import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { kubernetesClient } from '../kubernetes/client';
import { DEFAULT_KUBE_TIMEOUT_MS, kubeCall } from '../kubernetes/kube-call';
import { KubeApiInvalidResponseError } from '../kubernetes/kube-errors';
import { loadKubeconfigFile } from '../kubernetes/kubeconfig';
import type { ClusterInventoryPort, ObservedCluster } from './cluster-inventory.port';
import {
  DEFAULT_CLUSTER_MAPPING,
  toObservedCluster,
  type ClusterMappingOptions,
  type ClusterNetwork,
  type KarmadaClusterObject,
} from './karmada-cluster.mapper';
import type { ClusterNetworkSource } from './submariner-broker.adapter';

/** Something worth a warning line that does not fail the listing. */
export interface InventoryIssue {
  cluster: string | null;
  message: string;
  error?: Error;
}

export interface KarmadaInventoryOptions extends Partial<ClusterMappingOptions> {
  timeoutMs?: number;
  /** Joins pod/service CIDRs by cluster name; its failures are reported, not thrown. */
  networks?: ClusterNetworkSource;
  onIssue?: (issue: InventoryIssue) => void;
}

const OPERATION = 'list cluster.karmada.io/v1alpha1 clusters';

/** Member clusters as the Karmada API server reports them (`mode: 'real'`). */
export class KarmadaInventoryAdapter implements ClusterInventoryPort {
  readonly mode = 'real' as const;
  private readonly api: CustomObjectsApi;
  private readonly mapping: ClusterMappingOptions;
  private readonly timeoutMs: number;

  /** From the operator's Karmada kubeconfig (trusted: exec and file paths are allowed). */
  static fromKubeconfigFile(
    path: string,
    options: KarmadaInventoryOptions & { context?: string } = {},
  ): KarmadaInventoryAdapter {
    return new KarmadaInventoryAdapter(loadKubeconfigFile(path, { trusted: true, context: options.context }), options);
  }

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KarmadaInventoryOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(kubernetesClient().CustomObjectsApi);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
    this.mapping = {
      gpuResourceNames: options.gpuResourceNames ?? DEFAULT_CLUSTER_MAPPING.gpuResourceNames,
      accelerationLabel: options.accelerationLabel ?? DEFAULT_CLUSTER_MAPPING.accelerationLabel,
    };
  }

  /** Sorted by name: placement matrices depend on cluster order (B25). */
  async listClusters(signal?: AbortSignal): Promise<ObservedCluster[]> {
    const [objects, networks] = await Promise.all([this.readClusters(signal), this.readNetworks(signal)]);
    const clusters: ObservedCluster[] = [];
    for (const object of objects) {
      const mapped = toObservedCluster(object, this.mapping, networks?.get(object.metadata?.name ?? ''));
      if (mapped === null) {
        this.report({ cluster: null, message: 'Karmada cluster without metadata.name skipped' });
        continue;
      }
      const { cluster, issues } = mapped;
      for (const message of issues) this.report({ cluster: cluster.name, message });
      if (networks && !networks.has(cluster.name)) {
        this.report({ cluster: cluster.name, message: 'no Submariner cluster entry: pod/service CIDR unknown' });
      }
      clusters.push(cluster);
    }
    return clusters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async readClusters(signal?: AbortSignal): Promise<KarmadaClusterObject[]> {
    const list: unknown = await kubeCall(OPERATION, { timeoutMs: this.timeoutMs, signal }, (options) =>
      this.api.listClusterCustomObject({ group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' }, options),
    );
    const items = (list as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw new KubeApiInvalidResponseError(OPERATION, 'no items list');
    return items.filter((item): item is KarmadaClusterObject => typeof item === 'object' && item !== null);
  }

  /** undefined when no Submariner source is configured or it failed (then reported). */
  private async readNetworks(signal?: AbortSignal): Promise<Map<string, ClusterNetwork> | undefined> {
    if (this.options.networks === undefined) return undefined;
    const { value, error } = await this.options.networks.readClusterNetworks(signal);
    if (error === null) return value;
    this.report({ cluster: null, message: 'Submariner broker not readable: pod/service CIDRs unknown', error });
    return undefined;
  }

  private report(issue: InventoryIssue): void {
    this.options.onIssue?.(issue);
  }
}
