const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * A PromQL double-quoted string literal. PromQL unescapes like Go (`\\`, `\"`, `\n`, `\uXXXX`…),
 * which covers every escape JSON.stringify emits.
 */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Upstream's request-rate query, character for character:
 * `sum(rate(flask_http_request_total{service="<svc>"}[<W>s]))by(service)`.
 */
export function requestRateQuery(service: string, windowSeconds: number, metric = 'flask_http_request_total'): string {
  if (!METRIC_NAME.test(metric)) throw new RangeError(`not a metric name: ${JSON.stringify(metric)}`);
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`the rate window must be a whole number of seconds > 0, got ${windowSeconds}`);
  }
  return `sum(rate(${metric}{service=${promqlString(service)}}[${windowSeconds}s]))by(service)`;
}
