import { ALERTS_CATEGORY, isAlertFired } from '../../src/domain/alert/events';
import type { Projection } from '../../src/processing/projection';

/** Alerts received per rule (alert name). */
export interface AlertsByRule {
  alertName: string;
  firing: number;
  resolved: number;
  graphs: string[];
  services: string[];
  firstAt: string;
  lastAt: string;
}

export const alertsByRuleProjection: Projection<AlertsByRule> = {
  name: 'analytics-alerts-by-rule',
  collection: 'analytics-alerts-by-rule',
  filter: { eventTypes: ['AlertFired'], streamCategories: [ALERTS_CATEGORY] },
  documentIds: (event) => (isAlertFired(event) ? [event.data.alertName] : []),
  evolve: (doc, event) => {
    if (!isAlertFired(event)) return doc;
    const alert = event.data;
    const add = (list: string[] | undefined, value: string | null) => [...new Set([...(list ?? []), ...(value ? [value] : [])])].sort();
    return {
      alertName: alert.alertName,
      firing: (doc?.firing ?? 0) + (alert.status === 'firing' ? 1 : 0),
      resolved: (doc?.resolved ?? 0) + (alert.status === 'resolved' ? 1 : 0),
      graphs: add(doc?.graphs, alert.graphId),
      services: add(doc?.services, alert.serviceId),
      firstAt: doc?.firstAt ?? event.created,
      lastAt: event.created,
    };
  },
};
