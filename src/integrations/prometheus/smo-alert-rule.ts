import type { NormalisedService } from '../../domain/graph/hdag-descriptor';
import { alertRuleName } from './alert-rule-name';
import { SUBMISSION_LABEL, type AlertRule } from './alert-rules.port';
import { toStoredRule } from './rule-groups';

/**
 * What a graph's alerting rules may take, stored (JSON): they share one PrometheusRule, and etcd refuses
 * an object over its request limit (1.5 MiB by default; on the lab a CR of 3,750 of SMO's rules, about
 * 1.46 MB, was the last one accepted). 1 MiB leaves room for the object's metadata and other groups.
 */
export const MAX_GRAPH_ALERT_RULE_BYTES = 1024 * 1024;

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
  /** Which submission of the graph the rule is written for (the graph state's `submission`). */
  submission?: number;
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
    labels: {
      severity: 'critical',
      graph: input.graphId,
      service: input.serviceId,
      event: input.eventId,
      ...(input.submission === undefined ? {} : { [SUBMISSION_LABEL]: String(input.submission) }),
    },
    // Prometheus expands annotations as Go templates: a description is text, so a `{{` in it is kept
    // as text rather than failing the template (which made Prometheus refuse the whole rules file).
    annotations: { description: goTemplateText(input.description), summary: goTemplateText(input.description) },
  };
}

/** A Go template that expands to `text` as it is: every `{{` becomes the action `{{"{{"}}`. */
export function goTemplateText(text: string): string {
  return text.split('{{').join('{{"{{"}}');
}

/** The alerting rules of a service that waits for events (none for any other), as its graph's `submission` writes them. */
export function serviceAlertRules(graphId: string, service: NormalisedService, submission: number): AlertRule[] {
  if (service.trigger.kind !== 'event') return [];
  return service.trigger.events.map((e) =>
    smoAlertRule({ graphId, serviceId: service.id, eventId: e.id, promQuery: e.promQuery, gracePeriod: e.gracePeriod, description: e.description, submission }),
  );
}

/** The rules' size as stored in a PrometheusRule or rules file (JSON, UTF-8 bytes). */
export function storedAlertRuleBytes(rules: readonly AlertRule[]): number {
  return Buffer.byteLength(JSON.stringify(rules.map(toStoredRule)));
}
