import { ALERTS_CATEGORY, isAlertFired } from '../../src/domain/alert/events';
import type { Projection } from '../../src/processing/projection';

/** Distinct graphs and services a rule's document keeps: the latest ones. */
export const ALERT_LABELS_KEPT = 100;

/** Alerts received per rule (alert name). */
export interface AlertsByRule {
  alertName: string;
  firing: number;
  resolved: number;
  /** The latest ALERT_LABELS_KEPT distinct graph labels, least recently seen first (a rule SMO did not write may carry any). */
  graphs: string[];
  /** The latest ALERT_LABELS_KEPT distinct service labels, least recently seen first. */
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
    // Bounded: a value seen again moves to the end, and past ALERT_LABELS_KEPT the one seen longest ago goes.
    const add = (list: string[] | undefined, value: string | null) => (value ? [...(list ?? []).filter((kept) => kept !== value), value].slice(-ALERT_LABELS_KEPT) : (list ?? []));
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
