import type { RecordedEvent } from '../eventstore/event-store';
import { OS_K8S_CLUSTER_CATEGORY, isOsK8sClusterEvent } from '../domain/os-k8s-cluster/events';
import type { ReadStore } from '../readstore/read-store';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Dispatch } from './placement.processor';

const NAME = 'failed-provisioning';
/** Graphs waiting for an approved cluster, read per failed cluster: a bound on the read (only waiting graphs are read). */
const MAX_GRAPHS = 1000;

/**
 * When the cluster an approved cluster provisioning proposal asked for is not built (NFVCL's task failed or timed
 * out, its blueprint failed) or is deleted before it joined Karmada, the proposal is pending again, with the
 * failure: it can be approved again or rejected, and no longer blocks new proposals. The approve route records
 * that itself only for a refusal it sees; a build fails later, after the route answered (it had stayed approved for good).
 */
export class FailedProvisioningProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterProvisioningFailed', 'ClusterDecommissioned'], streamCategories: [OS_K8S_CLUSTER_CATEGORY] };

  constructor(private readonly deps: { readStore: ReadStore; dispatch: Dispatch }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isOsK8sClusterEvent(event) || (event.type !== 'ClusterProvisioningFailed' && event.type !== 'ClusterDecommissioned')) return;
    const { smoId } = event.data;
    const detail = event.type === 'ClusterProvisioningFailed' ? `cluster ${smoId} was not built: ${event.data.detail}` : `cluster ${smoId} was deleted before it joined Karmada`;
    const graphs = await this.deps.readStore.find<GraphDocument>('graphs', { where: { awaitsCluster: true }, orderBy: [{ field: 'name' }], limit: MAX_GRAPHS });
    for (const { doc } of graphs) {
      const { graphId, provisioningProposals } = doc.state;
      for (const proposal of provisioningProposals ?? []) {
        if (proposal.status !== 'approved' || proposal.smoId !== smoId) continue;
        await this.deps.dispatch({ type: 'RecordClusterApprovalFailure', data: { graphId, proposalId: proposal.proposalId, smoId, detail } }, processorContext(NAME, event, graphId));
      }
    }
  }
}
