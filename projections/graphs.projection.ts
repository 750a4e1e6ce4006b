import type { RecordedEvent } from '../src/eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent } from '../src/domain/graph/events';
import { evolveGraph } from '../src/domain/graph/evolve';
import { awaitsProvisionedCluster, isSettled, type ExistingGraph } from '../src/domain/graph/state';
import type { Projection } from '../src/processing/projection';

/** The graph read model: the folded graph state plus the fields queries filter on. */
export interface GraphDocument {
  name: string;
  project: string;
  status: 'Running' | 'Stopped';
  settled: boolean;
  /** Waits for an approved cluster to join (queried when a cluster joins, so the lookup needs no scan of every graph). */
  awaitsCluster: boolean;
  /** Stream revision of the last event applied (the graph's ETag). */
  revision: number;
  updatedAt: string;
  state: ExistingGraph;
}

export const graphsProjection: Projection<GraphDocument> = {
  name: 'graphs',
  collection: 'graphs',
  filter: { streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event: RecordedEvent) => [event.streamId.slice(GRAPH_CATEGORY.length + 1)],
  evolve: (doc, event) => {
    if (!isGraphEvent(event)) return doc;
    const state = evolveGraph(doc?.state ?? { kind: 'none' }, event);
    if (state.kind === 'none' || state.removed) return null;
    return graphDocumentOf(state, event.revision, event.created);
  },
};

/** The read model's document of a graph's state (also what `?at=` answers, folded from the history). */
export function graphDocumentOf(state: ExistingGraph, revision: number, updatedAt: string): GraphDocument {
  return {
    name: state.graphId,
    project: state.project,
    status: state.status,
    settled: isSettled(state),
    awaitsCluster: awaitsProvisionedCluster(state),
    revision,
    updatedAt,
    state,
  };
}
