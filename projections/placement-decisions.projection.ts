import { GRAPH_CATEGORY, isGraphEvent } from '../src/domain/graph/events';
import type { RecordedEvent } from '../src/eventstore/event-store';
import type { Projection } from '../src/processing/projection';

/** The placement outcomes recorded for graphs; `GET /graphs/{g}/placements` and its replay read them. */
export const PLACEMENT_OUTCOME_TYPES = ['PlacementDecided', 'PlacementFailed'] as const;

/** One recorded placement outcome (PlacementDecided or PlacementFailed) as the event itself, with its graph. */
export interface PlacementDecisionDocument {
  graphId: string;
  event: RecordedEvent;
}

/**
 * One document per placement outcome, found by graph through the read store's `graphId` index, so
 * a graph's decisions cost what they are, not what every graph decided (the event store can only
 * select them by type across all graphs). Ids sort by stream revision within a graph. A graph
 * removed and deployed again under its name starts a new stream incarnation: the reader keeps
 * the decisions from the stream's first revision on.
 */
export const placementDecisionsProjection: Projection<PlacementDecisionDocument> = {
  name: 'placement-decisions',
  collection: 'placement-decisions',
  filter: { eventTypes: [...PLACEMENT_OUTCOME_TYPES], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => (isGraphEvent(event) ? [placementDecisionId(event.data.graphId, event.revision)] : []),
  evolve: (doc, event) => (isGraphEvent(event) ? { graphId: event.data.graphId, event } : doc),
};

/** `<graph>@<revision, 16 digits>`: the documents of one graph sort by revision. */
export function placementDecisionId(graphId: string, revision: number): string {
  return `${graphId}@${String(revision).padStart(16, '0')}`;
}
