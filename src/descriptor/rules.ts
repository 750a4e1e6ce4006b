import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { DNS_LABEL_MAX_LENGTH, HELM_RELEASE_MAX_LENGTH, isDnsLabel } from '../shared/dns-name';
import { isPrometheusDuration } from '../shared/prometheus-duration';

/** Value rules of the validator. Each returns undefined when the value is fine, else the reason. */
export type StringRule = (value: string) => string | undefined;

/** Service ids become Helm release names. */
export const MAX_SERVICE_ID_LENGTH = HELM_RELEASE_MAX_LENGTH;
/** The graph id names Kubernetes and Grafana objects, not a release. */
export const MAX_GRAPH_ID_LENGTH = DNS_LABEL_MAX_LENGTH;

export function dnsLabel(maxLength: number, becomes: string): StringRule {
  return (value) =>
    isDnsLabel(value, maxLength)
      ? undefined
      : `must be a DNS-1123 label of at most ${maxLength} characters (lowercase letters, digits and "-", ` +
        `starting and ending with a letter or digit) because it becomes ${becomes}`;
}

/** semver.org 2.0.0, the official regular expression. */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const semanticVersion: StringRule = (value) =>
  SEMVER.test(value) ? undefined : 'must be a semantic version such as "1.0.0" (semver.org)';

export { PROMETHEUS_DURATION } from '../shared/prometheus-duration';

export const prometheusDuration: StringRule = (value) =>
  isPrometheusDuration(value)
    ? undefined
    : 'must be a Prometheus duration such as "30s", "2m" or "1h30m" (units y, w, d, h, m, s, ms in that order), at most 292 years';

/** Alert names: kept to characters every consumer (rule files, labels, dashboards) handles. */
export const EVENT_ID = /^[A-Za-z0-9]([A-Za-z0-9_.:-]{0,61}[A-Za-z0-9])?$/;

export const eventId: StringRule = (value) =>
  EVENT_ID.test(value)
    ? undefined
    : 'must be 1-63 letters, digits, "_", ".", ":" or "-", starting and ending with a letter or digit (it becomes a Prometheus alert name)';

export function nonEmpty(maxLength: number): StringRule {
  return (value) => {
    if (value.trim() === '') return 'must not be empty';
    return value.length <= maxLength ? undefined : `must be at most ${maxLength} characters`;
  };
}

/**
 * A PromQL expression, by Prometheus' own grammar (the lezer one its UI uses): it becomes an alerting rule, and
 * a rule Prometheus cannot parse makes it refuse the rules it is loaded with. What only evaluation tells (a
 * function given the wrong type, `rate(up)`) is still found by Prometheus, and then refused for that graph alone.
 */
export function promql(maxLength: number): StringRule {
  const shape = nonEmpty(maxLength);
  return (value) => {
    const reason = shape(value);
    if (reason !== undefined) return reason;
    let at: number | null = null;
    promqlParser.parse(value).iterate({
      enter: (node) => {
        if (at === null && node.type.isError) at = node.from;
        return at === null;
      },
    });
    return at === null ? undefined : `must be valid PromQL: it does not parse at character ${(at as number) + 1}`;
  };
}
