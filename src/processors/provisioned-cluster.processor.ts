import type { RecordedEvent } from '../eventstore/event-store';
import { CLUSTER_CATEGORY, isClusterEvent } from '../domain/cluster/events';
import type { ReadStore } from '../readstore/read-store';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Dispatch } from './placement.processor';

const NAME = 'provisioned-cluster';
/** Waiting graphs placed per joining cluster: a bound on the read (only graphs that wait are read). */
const MAX_GRAPHS = 1000;

/**
 * When a cluster joins Karmada (or comes back), every graph still waiting for a cluster it had approved (its placement
 * failed, an approved cluster provisioning proposal) asks to be placed again: the pending graph is placed on it.
 */
export class ProvisionedClusterProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterRegistered', 'ClusterRecovered'], streamCategories: [CLUSTER_CATEGORY] };

  constructor(private readonly deps: { readStore: ReadStore; dispatch: Dispatch }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isClusterEvent(event) || (event.type !== 'ClusterRegistered' && event.type !== 'ClusterRecovered')) return;
    const cluster = event.data.name;
    const graphs = await this.deps.readStore.find<GraphDocument>('graphs', { where: { awaitsCluster: true }, orderBy: [{ field: 'name' }], limit: MAX_GRAPHS });
    for (const { doc } of graphs) {
      const { state } = doc;
      await this.deps.dispatch(
        { type: 'RequestReplacement', data: { graphId: state.graphId, requestId: event.id, reason: 'retry', detail: `cluster ${cluster} joined after an approved cluster provisioning` } },
        processorContext(NAME, event, state.graphId),
      );
    }
  }
}
