import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { kubernetesClient } from '../kubernetes/client';
import { DEFAULT_KUBE_TIMEOUT_MS, kubeCall } from '../kubernetes/kube-call';
import { KubeApiInvalidResponseError } from '../kubernetes/kube-errors';
import type { ClusterNetwork } from './karmada-cluster.mapper';
import { toClusterNetworks, toGatewayLatencies, type GatewayLatencies } from './submariner-objects';

/** A result that is still usable when its source failed: `value` is then empty and `error` says why. */
export interface BestEffort<T> {
  value: T;
  error: Error | null;
}

/** Where ObservedCluster.podCidr/serviceCidr come from; the Karmada adapter joins by cluster name. */
export interface ClusterNetworkSource {
  readClusterNetworks(signal?: AbortSignal): Promise<BestEffort<Map<string, ClusterNetwork>>>;
}

export interface SubmarinerOptions {
  /** Namespace of the broker's Cluster objects. */
  brokerNamespace?: string;
  /** Namespace of the Gateway objects on the cluster this kubeconfig reaches. */
  gatewayNamespace?: string;
  timeoutMs?: number;
}

const GROUP = 'submariner.io';
const VERSION = 'v1';

/**
 * Reads Submariner objects. Errors never propagate: Submariner is optional, so the caller logs
 * `error` and carries on without CIDRs or latencies (upstream answered 500 instead, B22).
 */
export class SubmarinerBrokerAdapter implements ClusterNetworkSource {
  private readonly api: CustomObjectsApi;
  private readonly brokerNamespace: string;
  private readonly gatewayNamespace: string;
  private readonly timeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: SubmarinerOptions = {}) {
    this.api = kubeConfig.makeApiClient(kubernetesClient().CustomObjectsApi);
    this.brokerNamespace = options.brokerNamespace ?? 'submariner-k8s-broker';
    this.gatewayNamespace = options.gatewayNamespace ?? 'submariner-operator';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
  }

  /** cluster_id → {podCidr: spec.cluster_cidr[0], serviceCidr: spec.service_cidr[0]}. */
  async readClusterNetworks(signal?: AbortSignal): Promise<BestEffort<Map<string, ClusterNetwork>>> {
    try {
      const items = await this.list('clusters', this.brokerNamespace, signal);
      return { value: toClusterNetworks(items), error: null };
    } catch (error) {
      return { value: new Map(), error: asError(error) };
    }
  }

  /**
   * Average RTT (ms) between clusters from the Gateway objects this kubeconfig can see. Each member
   * cluster has its own Gateways; point a second adapter at each member (or at Karmada's cluster
   * proxy) and merge: the `from` keys do not overlap.
   */
  async readGatewayLatencies(signal?: AbortSignal): Promise<BestEffort<GatewayLatencies>> {
    try {
      const items = await this.list('gateways', this.gatewayNamespace, signal);
      return { value: toGatewayLatencies(items), error: null };
    } catch (error) {
      return { value: {}, error: asError(error) };
    }
  }

  private async list(plural: string, namespace: string, signal?: AbortSignal): Promise<unknown[]> {
    const operation = `list ${GROUP}/${VERSION} ${plural} in ${namespace}`;
    const list: unknown = await kubeCall(operation, { timeoutMs: this.timeoutMs, signal }, (options) =>
      this.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural }, options),
    );
    const items = (list as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw new KubeApiInvalidResponseError(operation, 'no items list');
    return items;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
