import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../app/runtime';
import { redactUrl, type Logger } from '../observability/logger';
import { correlationIdOf, setCorrelationId } from './request-context';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags; its trace id (32 hex, not all zeros). */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a valid `traceparent`, used as the correlation id when no X-Correlation-Id is given. */
export function traceIdOf(header: string | string[] | undefined): string | null {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  // Version ff and an all-zero trace id are invalid.
  return match && !match[0].startsWith('ff') && !/^0+$/.test(match[1]!) ? match[1]! : null;
}

/** The correlation id of a request with these headers: its X-Correlation-Id, else its traceparent's trace id, else a new one. */
export function correlationIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[CORRELATION_HEADER];
  return typeof given === 'string' && CORRELATION_ID.test(given) ? given : (traceIdOf(headers.traceparent) ?? randomUUID());
}

/** The request's correlation id (see correlationIdFrom), echoed in the answer. */
export function assignCorrelationId(request: FastifyRequest, reply: FastifyReply): void {
  const correlationId = correlationIdFrom(request.headers);
  setCorrelationId(request, correlationId);
  void reply.header(CORRELATION_HEADER, correlationId);
}

/** Per runtime: the request line's logger. It holds only the method, the URL (credential parameters redacted by redactUrl), the status and the time: pino's path redaction, about 5 µs a line, is skipped. */
const requestLogs = new WeakMap<Pick<Runtime, 'logger'>, Logger>();

/**
 * One answered request: its sample of `smo_http_request_duration_seconds` and its `request` log line (none for
 * /metrics and /health). Fastify's onResponse hook calls it, and so do the answers that run no hook: the
 * router's refusals (frameworkErrors) and the hijacked event stream, when it ends.
 */
export function recordRequest(runtime: Pick<Runtime, 'logger' | 'metrics'>, request: FastifyRequest, status: number, ms: number): void {
  recordAnswer(runtime, { method: request.method, route: request.routeOptions.url ?? 'unmatched', url: request.url, correlationId: correlationIdOf(request) }, status, ms);
}

/** What recordRequest records of a request: also all the front door knows of the reads it answers (front-door.ts). */
export interface AnsweredRequest {
  method: string;
  /** The route it matched, `unmatched` when none did. */
  route: string;
  url: string;
  correlationId: string;
}

/** recordRequest, for a request Fastify did not see. */
export function recordAnswer(runtime: Pick<Runtime, 'logger' | 'metrics'>, request: AnsweredRequest, status: number, ms: number): void {
  const { method, route } = request;
  runtime.metrics.httpRequests.observe({ method, route, status: String(status) }, ms / 1000);
  if (route === '/metrics' || route.startsWith('/health')) return;
  let lines = requestLogs.get(runtime);
  if (!lines) requestLogs.set(runtime, (lines = runtime.logger.child({}, { redact: { paths: [] } })));
  lines.info({ correlationId: request.correlationId, method, url: redactUrl(request.url), status, ms: Math.round(ms * 10) / 10 }, 'request');
}
