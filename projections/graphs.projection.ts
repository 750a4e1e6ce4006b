import type { RecordedEvent } from '../src/eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent } from '../src/domain/graph/events';
import { evolveGraph } from '../src/domain/graph/evolve';
import { awaitsPlacementRetry, awaitsProvisionedCluster, isSettled, type ExistingGraph } from '../src/domain/graph/state';
import type { DocumentChange, Projection, ProjectionSummary } from '../src/processing/projection';

/** The graph read model: the folded graph state plus the fields queries filter on. */
export interface GraphDocument {
  name: string;
  project: string;
  status: 'Running' | 'Stopped';
  settled: boolean;
  /**
   * Waits for a cluster: one it approved to be built, or, its placement having failed, any cluster that joins or comes
   * back (queried when a cluster joins or recovers, so the lookup needs no scan of every graph).
   */
  awaitsCluster: boolean;
  /** Stream revision of the last event applied (the graph's ETag). */
  revision: number;
  /**
   * Stream revision of the graph's latest GraphSubmitted: tells one submission of the graph from the next (its
   * first is 0). What an alert routed to the graph is recorded for (src/application/alert-log.ts). Absent in
   * a graph as it was at a time (`?at=`, folded from a snapshot).
   */
  submission?: number;
  updatedAt: string;
  state: ExistingGraph;
}

/** Graphs by status, services by status and pending placement proposals, over every graph (the status gauges of /metrics). */
export interface GraphCounts {
  graphs: Record<string, number>;
  services: Record<string, number>;
  pendingProposals: number;
}

/** The one document of the graph-counts collection. */
export const GRAPH_COUNTS_ID = 'all';

/**
 * The counts, moved by each graph document's change (what it counted before out, what it counts
 * after in): one small document read per scrape, however many graphs there are.
 */
export const graphCounts: ProjectionSummary<GraphDocument, GraphCounts> = {
  collection: 'graph-counts',
  summaryIds: () => [GRAPH_COUNTS_ID],
  evolve: (counts, { before, after }: DocumentChange<GraphDocument>) => {
    const next: GraphCounts = { graphs: { ...counts?.graphs }, services: { ...counts?.services }, pendingProposals: counts?.pendingProposals ?? 0 };
    for (const [doc, sign] of [[before, -1], [after, 1]] as const) {
      if (!doc) continue;
      add(next.graphs, doc.status, sign);
      for (const service of doc.state.services) add(next.services, service.status, sign);
      next.pendingProposals += sign * (doc.state.proposals ?? []).filter((proposal) => proposal.status === 'pending').length;
    }
    return next;
  },
};

/** A status no document has any more leaves the counts (as a gauge with no sample). */
function add(counts: Record<string, number>, status: string, by: number): void {
  const count = (counts[status] ?? 0) + by;
  if (count === 0) delete counts[status];
  else counts[status] = count;
}

/**
 * A graph as its lists show it, without its descriptor, values or history: what an operator scans a list
 * of graphs for (the console's rows). About 1 KB however many services the graph has (its document
 * grows by about 1.3 KB a service).
 */
export interface GraphSummaryDocument {
  name: string;
  project: string;
  status: GraphDocument['status'];
  settled: boolean;
  servicesByStatus: Record<string, number>;
  /** The clusters its services are placed on, sorted. */
  clusters: string[];
  lastDecision: { decisionId: string; reason: string; algorithm: string } | null;
  placementFailure: string | null;
  /** When each pending proposal expires: how many are still open depends on when the list is read. */
  pendingProposalsExpireAt: string[];
  revision: number;
  updatedAt: string;
}

/** The summary of a graph's document. */
export function graphSummaryOf({ state, settled, revision, updatedAt }: GraphDocument): GraphSummaryDocument {
  const servicesByStatus: Record<string, number> = {};
  for (const service of state.services) servicesByStatus[service.status] = (servicesByStatus[service.status] ?? 0) + 1;
  return {
    name: state.graphId,
    project: state.project,
    status: state.status,
    settled,
    servicesByStatus,
    clusters: [...new Set(state.services.flatMap((s) => (s.target?.cluster ? [s.target.cluster] : [])))].sort(),
    lastDecision: state.placement ? { decisionId: state.placement.decisionId, reason: state.placement.reason, algorithm: state.placement.algorithm } : null,
    placementFailure: state.placementFailure?.detail ?? null,
    pendingProposalsExpireAt: (state.proposals ?? []).filter((p) => p.status === 'pending').map((p) => p.expiresAt),
    revision,
    updatedAt,
  };
}

/**
 * One small document per graph, id its name, for the lists that show a few fields of many graphs: they
 * read and parse these, not each graph's whole document (about 265 KB at 200 services).
 */
export const graphSummaries: ProjectionSummary<GraphDocument, GraphSummaryDocument> = {
  collection: 'graph-summaries',
  summaryIds: ({ id }) => [id],
  evolve: (_summary, { after }) => (after ? graphSummaryOf(after) : null),
};

/** The first version of the graphs projection that writes the graph summaries. */
export const GRAPH_SUMMARIES_SINCE = 6;

export const graphsProjection: Projection<GraphDocument> = {
  name: 'graphs',
  collection: 'graphs',
  // 2: the graph counts (a summary the documents of version 1 never moved).
  // 3: the state folded by GRAPH_EVOLVE_VERSION 6 (replicas forgotten on a fresh install or an
  //    uninstall, which the autoscaler reads here; infeasibilities kept across placements that move nothing).
  // 4: the state folded by GRAPH_EVOLVE_VERSION 7 (a release whose install was never recorded is held until
  //    helm is asked: such a service of a stopped or removed graph shows Uninstalling, and the graph unsettled).
  // 5: GRAPH_EVOLVE_VERSION 8 (a failed service a placement moves or gives new values deploys again).
  //    GRAPH_EVOLVE_VERSION 9 needs no rebuild: it folds new event types (condition ALL), which no document already written holds.
  // 6: the graph summaries (a summary the documents of version 5 never wrote).
  // 7: `submission`, the revision of the graph's latest GraphSubmitted (documents of version 6 lack it).
  // 8: `awaitsCluster` also for a running graph whose placement failed (a cluster that joins or comes back places it);
  //    and the state folded by GRAPH_EVOLVE_VERSION 12 (an install recorded after a stop is Uninstalling, an uninstall
  //    recorded after a start Deploying: neither settled).
  version: 8,
  summaries: [graphCounts, graphSummaries],
  filter: { streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event: RecordedEvent) => [event.streamId.slice(GRAPH_CATEGORY.length + 1)],
  evolve: (doc, event) => {
    if (!isGraphEvent(event)) return doc;
    const state = evolveGraph(doc?.state ?? { kind: 'none' }, event);
    if (state.kind === 'none' || state.removed) return null;
    return { ...graphDocumentOf(state, event.revision, event.created), submission: event.type === 'GraphSubmitted' ? event.revision : (doc?.submission ?? 0) };
  },
};

/** The read model's document of a graph's state (also what `?at=` answers, folded from the history). */
export function graphDocumentOf(state: ExistingGraph, revision: number, updatedAt: string): GraphDocument {
  return {
    name: state.graphId,
    project: state.project,
    status: state.status,
    settled: isSettled(state),
    awaitsCluster: awaitsProvisionedCluster(state) || awaitsPlacementRetry(state),
    revision,
    updatedAt,
    state,
  };
}
