import type { RecordedEvent } from '../eventstore/event-store';
import { DomainError } from '../domain/decider';
import { CLUSTER_CATEGORY, isClusterEvent, type ClusterEvent } from '../domain/cluster/events';
import { awaitsProvisionedCluster } from '../domain/graph/state';
import { pagesOf, type ReadStore } from '../readstore/read-store';
import { processorContext } from '../application/processor-context';
import type { Processor } from '../processing/processor';
import type { GraphDocument } from '../../projections/graphs.projection';
import type { Dispatch } from './placement.processor';

/** The name it had when it handled only losses: its checkpoint's (a new name would handle every loss ever recorded again). */
const NAME = 'cluster-loss';
/** Waiting graphs read per event: a bound on the read (only graphs that wait are read, by an indexed field). */
const MAX_WAITING_GRAPHS = 1000;

/**
 * Re-places graphs as Karmada's member clusters come and go:
 * - when a cluster is lost (not Ready, tainted NoExecute) or disappears, every graph with a service on it (any cluster
 *   of an HA set) asks for re-placement. A cluster only cordoned keeps what runs there: it had been emptied too;
 * - when a cluster joins or comes back, every graph waiting for a cluster (its placement failed: the clusters had no
 *   room, a lost cluster's graphs found none elsewhere, or it approved a cluster to be built) asks to be placed again.
 *   A placement that fails again is recorded as such, and the graph waits for the next cluster (or a retry).
 */
export class ClusterMembershipProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ClusterUnavailable', 'ClusterRemoved', 'ClusterRegistered', 'ClusterRecovered'], streamCategories: [CLUSTER_CATEGORY] };

  constructor(private readonly deps: { readStore: ReadStore; dispatch: Dispatch }) {}

  async handle(event: RecordedEvent): Promise<void> {
    if (!isClusterEvent(event)) return;
    if (event.type === 'ClusterRegistered' || event.type === 'ClusterRecovered') return this.placeWaitingGraphs(event.data.name, event);
    if (event.type !== 'ClusterUnavailable' && event.type !== 'ClusterRemoved') return;
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
        await this.requestReplacement(state.graphId, reason, `cluster ${cluster} ${reason === 'cluster-lost' ? 'is unavailable' : 'was removed'}`, event);
      }
    }
  }

  private async placeWaitingGraphs(cluster: string, event: ClusterEvent & RecordedEvent): Promise<void> {
    const came = event.type === 'ClusterRegistered' ? 'joined' : 'is available again';
    const waiting = await this.deps.readStore.find<GraphDocument>('graphs', { where: { awaitsCluster: true }, orderBy: [{ field: 'name' }], limit: MAX_WAITING_GRAPHS });
    for (const { doc } of waiting) {
      const detail = awaitsProvisionedCluster(doc.state) ? `cluster ${cluster} joined after an approved cluster provisioning` : `cluster ${cluster} ${came} and the graph's latest placement had failed`;
      await this.requestReplacement(doc.state.graphId, 'retry', detail, event);
    }
  }

  private async requestReplacement(graphId: string, reason: 'cluster-lost' | 'cluster-removed' | 'retry', detail: string, event: RecordedEvent): Promise<void> {
    try {
      await this.deps.dispatch({ type: 'RequestReplacement', data: { graphId, requestId: event.id, reason, detail } }, processorContext(NAME, event, graphId));
    } catch (error) {
      // The read model may lag the write model: a graph removed since (or no longer placed by
      // SMO) refuses the request. It needs no re-placement; the graphs after it still do.
      if (error instanceof DomainError && (error.kind === 'not-found' || error.kind === 'conflict')) return;
      throw error;
    }
  }
}
