/** Reading a Prometheus `/api/v1/query` answer into samples or a typed failure. */
import { isRecord } from '../../shared/is-record';

export interface Sample {
  labels: Record<string, string>;
  /** NaN, Infinity and -Infinity are kept: Prometheus sends them as "NaN", "+Inf", "-Inf". */
  value: number;
}

export type QueryFailureKind = 'timeout' | 'unreachable' | 'http' | 'prometheus' | 'invalid';

export interface QueryFailure {
  ok: false;
  kind: QueryFailureKind;
  error: string;
  /** The HTTP status, null when none was received. */
  status: number | null;
  /** Prometheus' `errorType` (bad_data, execution, timeout…) for kind `prometheus`. */
  errorType?: string;
}

export type QueryOutcome = { ok: true; samples: Sample[]; warnings: string[] } | QueryFailure;

/** Go's strconv.FormatFloat output, as Prometheus writes sample values. */
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = { NaN: NaN, '+Inf': Infinity, Inf: Infinity, '-Inf': -Infinity };

export function readQueryResponse(status: number, body: string): QueryOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (status < 200 || status > 299) return httpFailure(status, body);
    return invalid(status, `the body is not JSON: ${snippet(body)}`);
  }
  // Prometheus answers errors with 400/422/503 and this envelope; anything else is a proxy or a wrong URL.
  if (isRecord(parsed) && parsed.status === 'error') {
    const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : 'unknown';
    const error = typeof parsed.error === 'string' ? parsed.error : 'no error message';
    return { ok: false, kind: 'prometheus', error: `${errorType}: ${error}`, status, errorType };
  }
  if (status < 200 || status > 299) return httpFailure(status, body);
  if (!isRecord(parsed) || parsed.status !== 'success' || !isRecord(parsed.data)) {
    return invalid(status, 'not a Prometheus success envelope');
  }
  const warnings = Array.isArray(parsed.warnings) ? parsed.warnings.map(String) : [];
  const samples = readSamples(parsed.data);
  return typeof samples === 'string' ? invalid(status, samples) : { ok: true, samples, warnings };
}

/** Samples of an instant query, or what is wrong with `data`. */
function readSamples(data: Record<string, unknown>): Sample[] | string {
  const { resultType, result } = data;
  if (resultType === 'scalar') {
    const value = sampleValue(result);
    return value === null ? 'a scalar without a [time, "value"] pair' : [{ labels: {}, value }];
  }
  if (resultType !== 'vector') return `an instant query needs a vector or scalar result, got ${JSON.stringify(resultType)}`;
  if (!Array.isArray(result)) return 'data.result is not a list';
  const samples: Sample[] = [];
  for (const [index, element] of result.entries()) {
    const value = isRecord(element) ? sampleValue(element.value) : null;
    if (value === null || !isRecord(element) || !isStringMap(element.metric)) {
      return `data.result[${index}] is not {metric: {…}, value: [time, "value"]}`;
    }
    samples.push({ labels: { ...element.metric }, value });
  }
  return samples;
}

function sampleValue(pair: unknown): number | null {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') return null;
  const text = pair[1];
  if (text in SPECIAL) return SPECIAL[text] as number;
  return FLOAT.test(text) ? Number(text) : null;
}

function httpFailure(status: number, body: string): QueryFailure {
  return { ok: false, kind: 'http', error: `HTTP ${status}${body.trim() ? `: ${snippet(body)}` : ''}`, status };
}

function invalid(status: number, problem: string): QueryFailure {
  return { ok: false, kind: 'invalid', error: problem, status };
}

function snippet(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}
