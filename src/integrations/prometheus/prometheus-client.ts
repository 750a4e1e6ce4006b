import { describeFetchFailure, fetchFailureKind } from '../../shared/fetch-failure';
import { readCapped } from '../../shared/http-body';
import { assertPositiveTimeout, prometheusBaseUrl } from './prometheus-base-url';
import { requestRateQuery, type RateSelector } from './promql';
import { readQueryResponse, type QueryFailure, type QueryOutcome } from './query-response';

export type { QueryFailure, QueryFailureKind, QueryOutcome, Sample } from './query-response';

export interface PrometheusClientOptions {
  /** PROMETHEUS_HOST, e.g. http://prometheus:9090 (a sub-path is kept). */
  baseUrl: string;
  /** Whole exchange, body included; upstream used 5 s. */
  timeoutMs?: number;
}

/**
 * The largest query answer read: SMO's queries (one service's rate, the energy figure per cluster) answer in a few KB; a
 * query matching far more series than meant (a metric or label set wrong) is refused rather than held in memory.
 */
export const MAX_QUERY_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * Queries SMO asks Prometheus at once (the submission's PromQL checks, an autoscaler round's request rates): Prometheus
 * may be a network hop away, and a round over 100 graphs of 10 services asks 1,000.
 */
export const PROMETHEUS_QUERIES_AT_ONCE = 8;

/** `rate: null`: Prometheus has no series (no request counted yet, or the exporter is gone): unknown, not 0. */
export type RateOutcome = { ok: true; rate: number | null } | QueryFailure;

/** Prometheus' HTTP query API. Failures are values, never thrown. */
export class PrometheusClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    this.baseUrl = prometheusBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    assertPositiveTimeout(this.timeoutMs, 'timeoutMs');
  }

  /** `GET /api/v1/query?query=…` at the server's current time. */
  async instantQuery(promql: string, signal?: AbortSignal): Promise<QueryOutcome> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const url = `${this.baseUrl}/api/v1/query?${new URLSearchParams({ query: promql })}`;
    try {
      const response = await fetch(url, {
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
        redirect: 'manual',
        headers: { accept: 'application/json' },
      });
      const body = await readCapped(response, MAX_QUERY_ANSWER_BYTES);
      if (body === null) return { ok: false, kind: 'invalid', error: `the answer is larger than ${MAX_QUERY_ANSWER_BYTES / 1024 / 1024} MiB`, status: response.status };
      return readQueryResponse(response.status, body);
    } catch (error) {
      if (signal?.aborted) throw signal.reason; // the caller's cancellation is not a Prometheus failure
      const kind = fetchFailureKind(error);
      return { ok: false, kind, error: describeFetchFailure(error, this.timeoutMs), status: null };
    }
  }

  /**
   * Whether Prometheus parses `promql` as a rule would (`POST /api/v1/format_query`, Prometheus 2.38+: the grammar and
   * the types, e.g. `rate(foo)`, which the descriptor's grammar check passes and which keeps a rules file from
   * loading), without evaluating it. `refused`: Prometheus' reason; `unknown`: it did not say (unreachable, older).
   */
  async checkExpression(promql: string, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; refused: string } | { ok: false; unknown: string }> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(`${this.baseUrl}/api/v1/format_query`, {
        method: 'POST',
        body: new URLSearchParams({ query: promql }),
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
        redirect: 'manual',
        headers: { accept: 'application/json' },
      });
      const body = await readCapped(response, MAX_QUERY_ANSWER_BYTES);
      const answer = body === null ? null : readQueryResponse(response.status, body);
      if (response.ok) return { ok: true };
      if (answer !== null && !answer.ok && answer.errorType === 'bad_data') return { ok: false, refused: answer.error.replace(/^bad_data: /, '') };
      return { ok: false, unknown: answer !== null && !answer.ok ? answer.error : `HTTP ${response.status}` };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { ok: false, unknown: describeFetchFailure(error, this.timeoutMs) };
    }
  }

  /**
   * Requests per second of one service over the last `windowSeconds` (upstream `get_request_rate`).
   * No series is `null`: upstream read it as 0, so an exporter down or a scrape gap scaled every
   * service to its minimum. NaN → 0, as upstream. ±Inf and a negative value are refused (`invalid`): a counter
   * rate never is (a gauge given as SMO_SCALING_METRIC can be), and the scaling solver refuses them, which failed
   * the graph's other clusters in that round.
   */
  async requestRate(selector: RateSelector, windowSeconds: number, metric?: string, signal?: AbortSignal): Promise<RateOutcome> {
    const outcome = await this.instantQuery(requestRateQuery(selector, windowSeconds, metric), signal);
    if (!outcome.ok) return outcome;
    const first = outcome.samples[0]; // upstream reads data.result[0]
    if (first === undefined) return { ok: true, rate: null };
    const value = first.value;
    if (Number.isNaN(value)) return { ok: true, rate: 0 };
    if (!Number.isFinite(value) || value < 0) return { ok: false, kind: 'invalid', error: `request rate is ${value}`, status: 200 };
    return { ok: true, rate: value };
  }
}
