/** One HTTP exchange with Grafana, turned into an outcome value: never throws. */
import type { GrafanaOutcome } from './grafana.port';
import { parseJsonBody, readCapped } from '../../shared/http-body';
import type { SecretRedactor } from '../../shared/secret-redactor';

export interface GrafanaRequest {
  method: 'POST' | 'DELETE';
  url: string;
  authorization: string | undefined;
  body?: unknown;
  timeoutMs: number;
  redactor: SecretRedactor;
}

/** Grafana's answers are small; a bigger body is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_MESSAGE_LENGTH = 300;

/** Sends the request and answers the parsed JSON body of a 2xx response. */
export async function grafanaRequest(request: GrafanaRequest): Promise<GrafanaOutcome<unknown>> {
  const fail = (status: number | null, error: string): GrafanaOutcome<unknown> => ({
    ok: false,
    status,
    error: request.redactor.redact(error).slice(0, MAX_MESSAGE_LENGTH),
  });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.authorization) headers.authorization = request.authorization;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      // A redirect usually means a login page or a wrong GRAFANA_HOST; following it could
      // also hand the credentials to another host.
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      return fail(response.status, `Grafana answered a redirect (${response.status}); redirects are not followed`);
    }
    const text = await readCapped(response, MAX_RESPONSE_BYTES);
    if (text === null) return fail(response.status, `Grafana's answer exceeds ${MAX_RESPONSE_BYTES} bytes`);
    const body = parseJsonBody(text);
    if (!response.ok) return fail(response.status, `Grafana answered ${response.status}: ${messageOf(body) ?? response.statusText}`);
    if (body === undefined) return fail(response.status, `Grafana answered ${response.status} with a body that is not JSON`);
    return { ok: true, value: body };
  } catch (error) {
    if (fieldOf(error, 'name') === 'TimeoutError') {
      return fail(null, `Grafana did not answer within ${request.timeoutMs} ms`);
    }
    return fail(null, `cannot reach Grafana: ${describe(error)}`);
  }
}



/** Grafana's errors carry `{message}`. */
function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

/** fetch wraps socket errors as "fetch failed" with the useful part in `cause`. */
function describe(error: unknown): string {
  const message = fieldOf(error, 'message') ?? String(error);
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  const detail = fieldOf(cause, 'code') ?? fieldOf(cause, 'message');
  return detail ? `${message} (${detail})` : message;
}

/** Duck-typed: errors from fetch (DOMException, undici) may come from another realm than `Error`. */
function fieldOf(value: unknown, key: 'name' | 'message' | 'code'): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}
