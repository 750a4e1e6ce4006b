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
 * select them by type across all graphs). Ids sort newest first within a graph, so a page of the
 * latest decisions is read in index order, however many the graph has. A graph whose stream was
 * deleted and written again keeps only the current stream's decisions (the reader's filter).
 */
export const placementDecisionsProjection: Projection<PlacementDecisionDocument> = {
  name: 'placement-decisions',
  collection: 'placement-decisions',
  filter: { eventTypes: [...PLACEMENT_OUTCOME_TYPES], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => (isGraphEvent(event) ? [placementDecisionId(event.data.graphId, event.revision)] : []),
  evolve: (doc, event) => (isGraphEvent(event) ? { graphId: event.data.graphId, event } : doc),
};

/** `<graph>@<16 digits falling as the revision grows>`: the documents of one graph sort newest first. */
export function placementDecisionId(graphId: string, revision: number): string {
  return `${graphId}@${String(Number.MAX_SAFE_INTEGER - revision).padStart(16, '0')}`;
}
