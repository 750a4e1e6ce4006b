import { eventOfType } from '../../src/domain/event-schema';
import { GRAPH_CATEGORY, isGraphEvent } from '../../src/domain/graph/events';
import type { Projection } from '../../src/processing/projection';

/** Scaling actions per service. */
export interface ScalingActions {
  graphId: string;
  serviceId: string;
  actions: number;
  ups: number;
  downs: number;
  replicas: number;
  lastAt: string;
  /** The latest 50 actions. */
  recent: Array<{ at: string; from: number; to: number; requestRate: number }>;
}

const isServiceScaled = eventOfType(isGraphEvent, 'ServiceScaled');

export const scalingActionsProjection: Projection<ScalingActions> = {
  name: 'analytics-scaling-actions',
  collection: 'analytics-scaling-actions',
  filter: { eventTypes: ['ServiceScaled'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => {
    if (!isServiceScaled(event)) return [];
    const { graphId, serviceId } = event.data;
    return [`${graphId}/${serviceId}`];
  },
  evolve: (doc, event) => {
    if (!isServiceScaled(event)) return doc;
    const { graphId, serviceId, from, to, requestRate } = event.data;
    return {
      graphId,
      serviceId,
      actions: (doc?.actions ?? 0) + 1,
      ups: (doc?.ups ?? 0) + (to > from ? 1 : 0),
      downs: (doc?.downs ?? 0) + (to < from ? 1 : 0),
      replicas: to,
      lastAt: event.created,
      recent: [...(doc?.recent ?? []), { at: event.created, from, to, requestRate }].slice(-50),
    };
  },
};
