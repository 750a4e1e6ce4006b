import { EVENT_CONDITIONS } from '../domain/graph/hdag-descriptor';
import { eventId, prometheusDuration, promql } from './rules';
import { ServiceReference } from './service-references';
import { Scope } from './validation-scope';

export const MAX_PROM_QUERY_LENGTH = 10_000;

/**
 * `trigger` holds exactly one of `auto` (deploy now) or `event` (deploy when a Prometheus alert fires).
 * Event ids must not repeat within the service: each names one of its alert rules (alertRuleName, per
 * graph and service, so another service may use the same id).
 */
export function validateTrigger(trigger: Scope, references: ServiceReference[]): void {
  trigger.warnUnknownFields(['auto', 'event']);
  const hasAuto = trigger.has('auto');
  const hasEvent = trigger.has('event');
  if (hasAuto && hasEvent) {
    trigger.findings.fail(trigger.path, 'must have exactly one of "auto" or "event" (found both)');
    return;
  }
  if (!hasAuto && !hasEvent) {
    trigger.findings.fail(trigger.path, 'must have "auto" (deploy at once) or "event" (deploy on a Prometheus alert)');
    return;
  }
  if (hasAuto) validateAuto(trigger, references);
  else validateEvent(trigger);
}

function validateAuto(trigger: Scope, references: ServiceReference[]): void {
  const auto = trigger.object('auto', 'required');
  auto?.warnUnknownFields(['dependencies']);
  for (const { value, path } of auto?.array('dependencies', 'optional')?.entries ?? []) {
    if (typeof value === 'string') references.push({ name: value, path, kind: 'dependency' });
    else trigger.findings.fail(path, 'a dependency must be a service id (string)');
  }
}

function validateEvent(trigger: Scope): void {
  const event = trigger.object('event', 'required');
  if (!event) return;
  event.warnUnknownFields(['condition', 'events']);
  const condition = event.string('condition', 'optional');
  if (condition !== undefined && !(EVENT_CONDITIONS as readonly string[]).includes(condition)) {
    event.findings.warn(event.pathOf('condition'), `"condition" is ANY or ALL (got "${condition}"); SMO treats it as ANY: the first event that fires deploys the service`);
  }
  const events = event.array('events', 'required', { nonEmpty: true })?.entries ?? [];
  const ids = new Set<string>();
  for (const { value, path } of events) {
    const entry = Scope.of(event.findings, value, path, 'an event');
    if (!entry) continue;
    entry.warnUnknownFields(['id', 'source', 'condition']);
    const id = entry.string('id', 'required', eventId);
    if (id !== undefined) {
      if (ids.has(id)) entry.findings.fail(entry.pathOf('id'), `duplicate event id "${id}" in this service (alert names must differ)`);
      else ids.add(id);
    }
    for (const source of entry.array('source', 'optional')?.entries ?? []) {
      const scope = Scope.of(entry.findings, source.value, source.path, 'an event source');
      scope?.string('serviceId', 'required');
      scope?.string('metricId', 'required');
    }
    const alert = entry.object('condition', 'required');
    alert?.warnUnknownFields(['promQuery', 'gracePeriod', 'description']);
    alert?.string('promQuery', 'required', promql(MAX_PROM_QUERY_LENGTH));
    alert?.string('gracePeriod', 'required', prometheusDuration);
    alert?.string('description', 'optional');
  }
}
