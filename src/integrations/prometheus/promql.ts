const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * A PromQL double-quoted string literal. PromQL unescapes like Go (`\\`, `\"`, `\n`, `\uXXXX`…),
 * which covers every escape JSON.stringify emits.
 */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** Whose requests: the service, and (when the series carry one) the namespace of its project. */
export interface RateSelector {
  service: string;
  /** The label holding the namespace and its value; absent: upstream's query (every namespace's service of that name). */
  namespace?: { label: string; value: string };
}

/** A Prometheus label name. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Upstream's request-rate query, `sum(rate(flask_http_request_total{service="<svc>"}[<W>s]))by(service)`,
 * with the project's namespace as a second matcher when one is given: a service id is unique only
 * within its project, and another project's service of that name must not add its traffic.
 */
export function requestRateQuery(selector: RateSelector, windowSeconds: number, metric = 'flask_http_request_total'): string {
  if (!METRIC_NAME.test(metric)) throw new RangeError(`not a metric name: ${JSON.stringify(metric)}`);
  if (selector.namespace && !LABEL_NAME.test(selector.namespace.label)) throw new RangeError(`not a label name: ${JSON.stringify(selector.namespace.label)}`);
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`the rate window must be a whole number of seconds > 0, got ${windowSeconds}`);
  }
  const namespace = selector.namespace ? `,${selector.namespace.label}=${promqlString(selector.namespace.value)}` : '';
  return `sum(rate(${metric}{service=${promqlString(selector.service)}${namespace}}[${windowSeconds}s]))by(service)`;
}
