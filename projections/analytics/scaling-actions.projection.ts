import { GRAPH_CATEGORY, type ServiceScaled } from '../../src/domain/graph/events';
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

export const scalingActionsProjection: Projection<ScalingActions> = {
  name: 'analytics-scaling-actions',
  collection: 'analytics-scaling-actions',
  filter: { eventTypes: ['ServiceScaled'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => {
    const { graphId, serviceId } = (event as unknown as ServiceScaled).data;
    return [`${graphId}/${serviceId}`];
  },
  evolve: (doc, event) => {
    const { graphId, serviceId, from, to, requestRate } = (event as unknown as ServiceScaled).data;
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
