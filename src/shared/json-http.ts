/**
 * One JSON exchange with a peer service (Grafana, NFVCL): bounded by a timeout, redirects refused
 * (a redirect means a wrong base URL or a login page, and following it could hand credentials to
 * another host), the answer capped and parsed. Never throws: each adapter maps the outcome to its
 * own error type, and masks its own secrets in the message.
 */
import { describeFetchFailure } from './fetch-failure';
import { parseJsonBody, readCapped } from './http-body';

export interface JsonHttpRequest {
  /** Who answers, as messages name it ("Grafana", "NFVCL"). */
  peer: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** Sent as JSON; absent for a request without a body. */
  body?: unknown;
  /** Added to `accept` (and `content-type` when there is a body), e.g. authorization. */
  headers?: Record<string, string>;
  timeoutMs: number;
  /** A bigger answer is refused rather than buffered. */
  maxResponseBytes: number;
  signal?: AbortSignal;
}

export type JsonHttpOutcome =
  /** Any HTTP status but a redirect; `body` is undefined when the answer was empty or not JSON. */
  | { answered: true; status: number; statusText: string; body: unknown }
  | { answered: false; failure: 'redirect' | 'too-large' | 'timeout' | 'cancelled' | 'unreachable'; status: number | null; message: string };

export async function jsonHttp(request: JsonHttpRequest): Promise<JsonHttpOutcome> {
  const { peer, method } = request;
  const exchange = `${method} ${new URL(request.url).pathname}`;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(request.url, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      redirect: 'manual',
      signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      return { answered: false, failure: 'redirect', status: response.status, message: `${peer} answered ${exchange} with a redirect (${response.status}); redirects are not followed` };
    }
    const text = await readCapped(response, request.maxResponseBytes);
    if (text === null) {
      return { answered: false, failure: 'too-large', status: response.status, message: `${peer}'s answer to ${exchange} exceeds ${request.maxResponseBytes} bytes` };
    }
    return { answered: true, status: response.status, statusText: response.statusText, body: parseJsonBody(text) };
  } catch (error) {
    if (request.signal?.aborted) return { answered: false, failure: 'cancelled', status: null, message: `${exchange} to ${peer} was cancelled` };
    if (timeout.aborted) return { answered: false, failure: 'timeout', status: null, message: `${peer} did not answer ${exchange} within ${request.timeoutMs} ms` };
    return { answered: false, failure: 'unreachable', status: null, message: `cannot reach ${peer} (${exchange}): ${describeFetchFailure(error, request.timeoutMs)}` };
  }
}
