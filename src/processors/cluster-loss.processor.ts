import type { RecordedEvent } from '../eventstore/event-store';
import { DomainError } from '../domain/decider';
import { CLUSTER_CATEGORY, isClusterEvent } from '../domain/cluster/events';
import { pagesOf, type ReadStore } from '../readstore/read-store';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Dispatch } from './placement.processor';

const NAME = 'cluster-loss';

/**
 * When a cluster is lost (not Ready, tainted NoExecute) or disappears, every graph with a service on it (any cluster of
 * an HA set) asks for re-placement. A cluster only cordoned keeps what runs there: it had been emptied too.
 */
export class ClusterLossProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterUnavailable', 'ClusterRemoved'], streamCategories: [CLUSTER_CATEGORY] };

  constructor(private readonly deps: { readStore: ReadStore; dispatch: Dispatch }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isClusterEvent(event) || (event.type !== 'ClusterUnavailable' && event.type !== 'ClusterRemoved')) return;
    // Only cordoned (or its resources not reported): what runs there stays, and only new placements avoid it.
    if (event.type === 'ClusterUnavailable' && !event.data.lost) return;
    const cluster = event.data.name;
    const reason = event.type === 'ClusterRemoved' ? 'cluster-removed' : 'cluster-lost';
    // A page of graphs at a time (by name): thousands of graphs are never parsed all at once.
    for await (const page of pagesOf<GraphDocument>(this.deps.readStore, 'graphs')) {
      for (const { doc } of page) {
        const { state } = doc;
        if (state.normalised.useStaticPlacement) continue;
        // A highAvailability service also runs on the other clusters of its set: losing any of them asks for a new one.
        const inSet = Object.values(state.placement?.clusterSets ?? {}).some((clusters) => clusters.includes(cluster));
        const uses = inSet || state.services.some((service) => service.target?.cluster === cluster || service.installed?.cluster === cluster);
        if (!uses) continue;
        try {
          await this.deps.dispatch(
            { type: 'RequestReplacement', data: { graphId: state.graphId, requestId: event.id, reason, detail: `cluster ${cluster} ${reason === 'cluster-lost' ? 'is unavailable' : 'was removed'}` } },
            processorContext(NAME, event, state.graphId),
          );
        } catch (error) {
          // The read model may lag the write model: a graph removed since (or no longer placed by
          // SMO) refuses the request. It needs no re-placement; the graphs after it still do.
          if (error instanceof DomainError && (error.kind === 'not-found' || error.kind === 'conflict')) continue;
          throw error;
        }
      }
    }
  }
}
