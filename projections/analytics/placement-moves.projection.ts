import { eventOfType } from '../../src/domain/event-schema';
import { GRAPH_CATEGORY, isGraphEvent } from '../../src/domain/graph/events';
import type { Projection } from '../../src/processing/projection';

/** Placement decisions and the services they moved, per day (UTC). */
export interface PlacementMoves {
  day: string;
  decisions: number;
  moves: number;
  byReason: Record<string, { decisions: number; moves: number }>;
}

const isPlacementDecided = eventOfType(isGraphEvent, 'PlacementDecided');

export const placementMovesProjection: Projection<PlacementMoves> = {
  name: 'analytics-placement-moves',
  collection: 'analytics-placement-moves',
  filter: { eventTypes: ['PlacementDecided'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => [event.created.slice(0, 10)],
  evolve: (doc, event, day) => {
    if (!isPlacementDecided(event)) return doc;
    const { reason, moves } = event.data;
    const before = doc?.byReason[reason] ?? { decisions: 0, moves: 0 };
    return {
      day,
      decisions: (doc?.decisions ?? 0) + 1,
      moves: (doc?.moves ?? 0) + moves,
      byReason: { ...doc?.byReason, [reason]: { decisions: before.decisions + 1, moves: before.moves + moves } },
    };
  },
};
