import type { AppsV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { kubernetesClient } from './client';
import { DEFAULT_KUBE_TIMEOUT_MS, kubeCall } from './kube-call';
import { KubeApiInvalidResponseError } from './kube-errors';
import { parseQuantity, QuantityParseError } from './quantity';

/**
 * Deployment templates in the Karmada API server: Karmada sums member status back into them
 * (availableReplicas) and propagates spec.replicas out. The namespace is always
 * the caller's (the project's Helm namespace), never a hard-coded `default` (B17).
 */
export class KarmadaDeployments {
  private readonly api: AppsV1Api;
  private readonly timeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}) {
    this.api = kubeConfig.makeApiClient(kubernetesClient().AppsV1Api);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
  }

  /** status.availableReplicas summed over members; 0 when not reported yet. */
  async getAvailableReplicas(name: string, namespace: string, signal?: AbortSignal): Promise<number> {
    const deployment = await this.read(name, namespace, signal);
    return deployment.status?.availableReplicas ?? 0;
  }

  /** spec.replicas through the scale subresource. */
  async getDesiredReplicas(name: string, namespace: string, signal?: AbortSignal): Promise<number> {
    const operation = `read deployment scale ${namespace}/${name}`;
    const scale = await kubeCall(operation, { timeoutMs: this.timeoutMs, signal }, (options) =>
      this.api.readNamespacedDeploymentScale({ name, namespace }, options),
    );
    return scale.spec?.replicas ?? 0;
  }

  /** limits.cpu of the first container in cores (upstream `get_cpu_limit`); null when it has none. */
  async getCpuLimit(name: string, namespace: string, signal?: AbortSignal): Promise<number | null> {
    const deployment = await this.read(name, namespace, signal);
    const limit = deployment.spec?.template?.spec?.containers?.[0]?.resources?.limits?.cpu;
    if (limit === undefined || limit === null) return null;
    try {
      return parseQuantity(limit);
    } catch (error) {
      if (!(error instanceof QuantityParseError)) throw error;
      throw new KubeApiInvalidResponseError(`read deployment ${namespace}/${name}`, `limits.cpu ${JSON.stringify(limit)}`);
    }
  }

  /** PATCH {"spec":{"replicas":n}} on deployments/scale as a JSON merge patch. */
  async scale(name: string, namespace: string, replicas: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isSafeInteger(replicas) || replicas < 0) {
      throw new RangeError(`replicas must be a whole number ≥ 0, got ${replicas}`);
    }
    const operation = `scale deployment ${namespace}/${name} to ${replicas}`;
    // The generated client would send application/json-patch+json, which this body is not.
    await kubeCall(operation, { timeoutMs: this.timeoutMs, signal, contentType: kubernetesClient().PatchStrategy.MergePatch }, (options) =>
      this.api.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, options),
    );
  }

  private read(name: string, namespace: string, signal?: AbortSignal): Promise<V1Deployment> {
    return kubeCall(`read deployment ${namespace}/${name}`, { timeoutMs: this.timeoutMs, signal }, (options) =>
      this.api.readNamespacedDeployment({ name, namespace }, options),
    );
  }
}
