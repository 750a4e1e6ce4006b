import type { SmoConfig } from '../config/config';
import type { ExistingGraph } from '../domain/graph/state';
import { KarmadaDeployments } from '../integrations/kubernetes/deployment-scale';
import { loadKubeconfigFile } from '../integrations/kubernetes/kubeconfig';
import type { Logger } from '../observability/logger';
import type { ReplicaSource } from './placement.processor';

/**
 * Live replicas for re-placement: the Deployment's available replicas in the graph's project
 * namespace on Karmada (B17). Simulated mode, or an unreadable Deployment, counts as unknown.
 */
export class KarmadaReplicaSource implements ReplicaSource {
  private readonly deployments: KarmadaDeployments | null;

  constructor(
    config: SmoConfig,
    private readonly logger: Logger,
  ) {
    const kubeconfig = config.karmada.kubeconfig;
    this.deployments = kubeconfig
      ? new KarmadaDeployments(loadKubeconfigFile(kubeconfig, { trusted: true, ...(config.karmada.context ? { context: config.karmada.context } : {}) }), { timeoutMs: config.karmada.timeoutSeconds * 1000 })
      : null;
  }

  async replicas(graph: ExistingGraph, serviceId: string): Promise<number | null> {
    if (!this.deployments) return null;
    try {
      const available = await this.deployments.getAvailableReplicas(serviceId, graph.project);
      return available && available > 0 ? available : null;
    } catch (error) {
      this.logger.warn({ graph: graph.graphId, service: serviceId, err: error instanceof Error ? error.message : String(error) }, 'replicas unknown');
      return null;
    }
  }
}
