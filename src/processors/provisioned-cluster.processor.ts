import { END, type EventStore, type RecordedEvent } from '../eventstore/event-store';
import { isGraphEvent } from '../domain/graph/events';
import { OS_K8S_CLUSTER_CATEGORY, isOsK8sClusterEvent } from '../domain/os-k8s-cluster/events';
import type { ReadStore } from '../readstore/read-store';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Dispatch } from './placement.processor';

const NAME = 'provisioned-cluster';
/** Waiting graphs read per event: a bound on the read (only graphs that wait for a cluster are read). */
const MAX_GRAPHS = 1000;
/** Failed approvals looked at for a cluster built after all: the most recent ones (a bound on the read). */
const RECENT_APPROVAL_FAILURES = 100;

/**
 * The graphs waiting for a cluster they had approved (their placement failed, an approved cluster provisioning proposal);
 * when a cluster joins Karmada, they are placed again by the cluster-membership processor, as every graph waiting is:
 * - when the cluster a proposal asked NFVCL for is not built (its task failed or timed out, its blueprint failed) or is
 *   deleted before it joined, that proposal is pending again, with the failure: it can be approved again or rejected,
 *   and no longer blocks new proposals. The approve route records that itself only for a refusal it sees; a build
 *   fails later, after the route answered (the proposal had stayed approved for good);
 * - when such a cluster is built after all (it was not ready in time, and a sync found it ready), its proposal, if still
 *   pending, is approved again with it: the graph waits for it to join (a second approval had built a second cluster).
 */
export class ProvisionedClusterProcessor implements Processor {
  readonly name = NAME;
  readonly filter = {
    eventTypes: ['ClusterProvisioningFailed', 'ClusterDecommissioned', 'ClusterProvisioned'],
    streamCategories: [OS_K8S_CLUSTER_CATEGORY],
  };

  constructor(private readonly deps: { readStore: ReadStore; dispatch: Dispatch; eventStore: Pick<EventStore, 'readAll'> }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (isOsK8sClusterEvent(event) && event.type === 'ClusterProvisioned') {
      const { smoId } = event.data;
      for (const { graphId, proposalId } of await this.approvalsThatFailed(smoId)) {
        await this.deps.dispatch({ type: 'RestoreClusterApproval', data: { graphId, proposalId, smoId } }, processorContext(NAME, event, `${graphId}:${proposalId}`));
      }
      return;
    }
    if (isOsK8sClusterEvent(event) && (event.type === 'ClusterProvisioningFailed' || event.type === 'ClusterDecommissioned')) {
      const { smoId } = event.data;
      const detail = event.type === 'ClusterProvisioningFailed' ? `cluster ${smoId} was not built: ${event.data.detail}` : `cluster ${smoId} was deleted before it joined Karmada`;
      for (const { graphId, provisioningProposals } of await this.waitingGraphs()) {
        for (const proposal of provisioningProposals ?? []) {
          if (proposal.status !== 'approved' || proposal.smoId !== smoId) continue;
          await this.deps.dispatch({ type: 'RecordClusterApprovalFailure', data: { graphId, proposalId: proposal.proposalId, smoId, detail } }, processorContext(NAME, event, graphId));
        }
      }
    }
  }

  /** The proposals whose approval of this cluster failed (recently): the decider restores those still pending. */
  private async approvalsThatFailed(smoId: string): Promise<Array<{ graphId: string; proposalId: string }>> {
    const failures = await this.deps.eventStore.readAll({
      direction: 'backwards',
      fromPosition: END,
      maxCount: RECENT_APPROVAL_FAILURES,
      filter: { eventTypes: ['ClusterProvisioningApprovalFailed'] },
    });
    return failures.flatMap((e) => (isGraphEvent(e) && e.type === 'ClusterProvisioningApprovalFailed' && e.data.smoId === smoId ? [{ graphId: e.data.graphId, proposalId: e.data.proposalId }] : []));
  }

  private async waitingGraphs(): Promise<GraphDocument['state'][]> {
    const graphs = await this.deps.readStore.find<GraphDocument>('graphs', { where: { awaitsCluster: true }, orderBy: [{ field: 'name' }], limit: MAX_GRAPHS });
    return graphs.map(({ doc }) => doc.state);
  }
}
