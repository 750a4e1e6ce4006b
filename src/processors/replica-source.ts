import type { SmoConfig } from '../config/config';
import type { ExistingGraph } from '../domain/graph/state';
import { KarmadaDeployments } from '../integrations/kubernetes/deployment-scale';
import { isUnanswered } from '../integrations/kubernetes/kube-errors';
import { loadKubeconfigFile } from '../integrations/kubernetes/kubeconfig';
import type { Logger } from '../observability/logger';
import { CallsGivenUpTogether, GIVEN_UP } from '../shared/calls-given-up-together';
import type { LiveReplicas, ReplicaSource } from './placement.processor';

/**
 * Deployments read from Karmada at once for one re-placement: a 200-service graph asked all at once sent 200
 * concurrent requests to karmada-apiserver. 8 read 200 in about 25 round trips.
 */
export const REPLICA_READS_AT_ONCE = 8;

/**
 * Live replicas for re-placement and the autoscaler: the replicas the Deployment template in Karmada wants (spec.replicas, through the
 * scale subresource, which the scaler sets), in the graph's project namespace (B17). Not status.availableReplicas:
 * mid-rollout, or while pods start or crash, fewer are available than will run, and a placement sized on them put a
 * service on a cluster that could not hold it once the rollout finished. Simulated mode, an unreadable Deployment or
 * 0 wanted counts as unknown.
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

  /**
   * A few at a time (REPLICA_READS_AT_ONCE). Once Karmada does not answer in time, or cannot be reached, the reads
   * not yet answered are given up (unknown): each would wait as long again, one batch after another.
   */
  async replicas(graph: ExistingGraph, serviceIds: readonly string[], signal?: AbortSignal): Promise<LiveReplicas> {
    const found = new Map<string, number | null>(serviceIds.map((id) => [id, null]));
    const deployments = this.deployments;
    if (!deployments) return { replicas: found, unanswered: null };
    const calls = new CallsGivenUpTogether(REPLICA_READS_AT_ONCE, signal);
    let unknown = 0;
    let firstError: string | null = null;
    let unanswered: string | null = null;
    await Promise.all(
      serviceIds.map(async (serviceId) => {
        const wanted = await calls.run(async (reads) => {
          try {
            return await deployments.getDesiredReplicas(serviceId, graph.project, reads);
          } catch (error) {
            if (reads.aborted) throw error; // given up with the others
            firstError ??= error instanceof Error ? error.message : String(error);
            if (isUnanswered(error)) {
              unanswered ??= error.message;
              calls.giveUp();
            }
            return null;
          }
        });
        if (wanted === GIVEN_UP || wanted === null) unknown++;
        else found.set(serviceId, wanted > 0 ? wanted : null);
      }),
    );
    if (unknown > 0) this.logger.warn({ graph: graph.graphId, services: unknown, of: serviceIds.length, err: firstError }, 'live replicas unknown');
    return { replicas: found, unanswered };
  }
}
