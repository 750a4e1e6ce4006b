import { alertRuleName } from './alert-rule-name';
import type { AlertRule } from './alert-rules.port';

/** One descriptor event of a conditional service (descriptor `AlertEvent` plus where it belongs). */
export interface SmoAlertInput {
  graphId: string;
  serviceId: string;
  eventId: string;
  /** The event's `condition.promQuery`, verbatim. */
  promQuery: string;
  /** The event's `condition.gracePeriod`, verbatim. */
  gracePeriod: string;
  description: string;
}

/**
 * Upstream `create_alert`, plus the `graph` and `event` labels so the Alertmanager webhook
 * can route a firing alert back to its graph, service and event (B6, B19).
 */
export function smoAlertRule(input: SmoAlertInput): AlertRule {
  return {
    name: alertRuleName(input.graphId, input.serviceId, input.eventId),
    expr: input.promQuery,
    for: input.gracePeriod,
    labels: { severity: 'critical', graph: input.graphId, service: input.serviceId, event: input.eventId },
    annotations: { description: input.description, summary: input.description },
  };
}
