import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../application/command-handler';
import { logContext } from '../observability/logger';
import { parameterProblem } from './query-parameters';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;
const CORRELATION_ID = Symbol('smo.correlationId');

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The handler enters the log context itself, on the paths that can log, so the request hook does
     * not: entering it costs about 1 µs a request (bench:api), which a read answered from a cache need not pay.
     */
    entersLogContext?: boolean;
  }
}

/** Set once, by the request hook (create-app.ts), from X-Correlation-Id, traceparent or a new UUID. */
export function setCorrelationId(request: FastifyRequest, correlationId: string): void {
  (request as FastifyRequest & { [CORRELATION_ID]?: string })[CORRELATION_ID] = correlationId;
}

/** The request's correlation id (a new one for a request the hook did not see, e.g. Fastify's inject without hooks). */
export function correlationIdOf(request: FastifyRequest): string {
  const holder = request as FastifyRequest & { [CORRELATION_ID]?: string };
  return (holder[CORRELATION_ID] ??= randomUUID());
}

/** Runs `work` in the request's log context: its log lines carry the correlation id. */
export function inLogContext<T>(request: FastifyRequest, work: () => T): T {
  return logContext.run({ correlationId: correlationIdOf(request) }, work);
}

/**
 * The command context of an HTTP request: its correlation id, an `Idempotency-Key` (a retried
 * request with the same key does not run twice) and an `If-Match` weak ETag (the revision the
 * client saw). A key is the client's for one method and path: the same key on another route or
 * another graph (`/stop` then `/start`) is another command, never taken for a repeat of the first.
 * `keyAcrossRoutes`: the key stands for one call whatever the route, for a caller that refuses its
 * reuse for another request itself (NFVCL calls: 409, see requestedOperation).
 */
export function requestContext(request: FastifyRequest, options: { allowIfMatch?: boolean; keyAcrossRoutes?: boolean } = {}): CommandContext {
  const correlationId = correlationIdOf(request);
  const key = header(request, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw parameterProblem('Idempotency-Key', 'must be 8 to 128 characters of A-Z a-z 0-9 . _ : -');
  }
  const ifMatch = header(request, 'if-match');
  let expectedRevision: number | undefined;
  if (ifMatch !== undefined && options.allowIfMatch !== false) {
    // At most 15 digits: a revision exact as a number (more would be rounded, and compared wrongly).
    const match = /^(?:W\/)?"(\d{1,15})"$/.exec(ifMatch.trim());
    if (!match) throw parameterProblem('If-Match', 'must be an ETag this API returned, e.g. W/"3"');
    expectedRevision = Number(match[1]);
  }
  return {
    commandId: key === undefined ? randomUUID() : options.keyAcrossRoutes ? `request:${key}` : `request:${requestTarget(request)}:${key}`,
    correlationId,
    causationId: correlationId,
    actor: 'api',
    now: new Date(),
    ...(expectedRevision !== undefined ? { expectedRevision } : {}),
  };
}

export function etag(revision: number): string {
  return `W/"${revision}"`;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request's method, route and parameters as the route reads them: a retry spelled otherwise (a
 * trailing slash, an escaped character) is the same target.
 */
function requestTarget(request: FastifyRequest): string {
  const params = request.params as Record<string, string> | undefined;
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?', 1)[0]} ${JSON.stringify(params ?? {})}`;
}
