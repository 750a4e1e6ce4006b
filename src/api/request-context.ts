import { randomUUID } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../application/command-handler';
import { logContext } from '../observability/logger';
import { ProblemException } from './problem';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The command context of an HTTP request: its correlation id, an `Idempotency-Key` (a retried
 * request with the same key does not run twice) and an `If-Match` weak ETag (the revision the
 * client saw).
 */
export function requestContext(request: FastifyRequest, options: { allowIfMatch?: boolean } = {}): CommandContext {
  const correlationId = logContext.getStore()?.correlationId ?? randomUUID();
  const key = header(request, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw ProblemException.of(HttpStatus.BAD_REQUEST, 'Idempotency-Key must be 8 to 128 characters of A-Z a-z 0-9 . _ : -');
  }
  const ifMatch = header(request, 'if-match');
  let expectedRevision: number | undefined;
  if (ifMatch !== undefined && options.allowIfMatch !== false) {
    const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
    if (!match) throw ProblemException.of(HttpStatus.BAD_REQUEST, 'If-Match must be an ETag this API returned, e.g. W/"3"');
    expectedRevision = Number(match[1]);
  }
  return {
    commandId: key ? `request:${key}` : randomUUID(),
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
