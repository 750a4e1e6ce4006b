/**
 * Decorators that document what a route answers, status by status, with its media type: JSON with
 * a schema, upstream's text/html lines, or problem details. Every status a route can send must be
 * listed (the fuzz run fails on an undocumented one); the statuses every route shares (auth, rate
 * limit, unreadable bodies) are added by `completeDocument`.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiQuery, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, titleOf } from '../problem';
import { DNS_LABEL_PATTERN } from '../../shared/dns-name';
import { schemaRef, type SchemaName } from './schemas';

type HeaderName = 'etag' | 'location' | 'event-position' | 'retry-after' | 'link';

const HEADERS: Record<HeaderName, [string, { description: string; schema: SchemaObject }]> = {
  etag: ['ETag', { description: 'The stream revision, W/"<revision>"', schema: { type: 'string', pattern: '^W/"[0-9]+"$' } }],
  location: ['Location', { description: 'Where to follow the resource', schema: { type: 'string' } }],
  link: ['Link', { description: 'RFC 8288: `<…>; rel="next"` when there is a next page', schema: { type: 'string' } }],
  'event-position': ['X-Event-Position', { description: 'Global position of the last event appended', schema: { type: 'string', pattern: '^[0-9]+$' } }],
  'retry-after': ['Retry-After', { description: 'Seconds to wait', schema: { type: 'string', pattern: '^[0-9]+$' } }],
};

function headersOf(names: HeaderName[]): Record<string, { description: string; schema: SchemaObject }> | undefined {
  return names.length === 0 ? undefined : Object.fromEntries(names.map((name) => HEADERS[name]));
}

/** A JSON answer: a named schema, an inline one, or an array of a named one (`[name]`). */
export function ApiJson(status: number, description: string, schema: SchemaName | [SchemaName] | SchemaObject, headers: HeaderName[] = []): MethodDecorator {
  const resolved: SchemaObject = typeof schema === 'string' ? schemaRef(schema) : Array.isArray(schema) ? { type: 'array', items: schemaRef(schema[0]) } : schema;
  return ApiResponse({ status, description, headers: headersOf(headers), content: { 'application/json': { schema: resolved } } });
}

/** One of upstream's plain-text answers ("Graph deployment successful"), sent as text/html. */
export function ApiText(status: number, description: string, headers: HeaderName[] = []): MethodDecorator {
  return ApiResponse({ status, description, headers: headersOf(headers), content: { 'text/html': { schema: { type: 'string' } } } });
}

/** Upstream's text line by default, a JSON body for clients that ask for `application/json`. */
export function ApiTextOrJson(status: number, description: string, schema: SchemaName | SchemaName[], headers: HeaderName[] = []): MethodDecorator {
  const json = Array.isArray(schema) ? { oneOf: schema.map((name) => schemaRef(name)) } : schemaRef(schema);
  return ApiResponse({ status, description, headers: headersOf(headers), content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: json } } });
}

/** `application/problem+json` answers for these statuses. */
export function ApiProblems(...statuses: number[]): MethodDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse(problemResponse(status))));
}

/** Statuses whose problem says when to try again, where SMO can tell (a rate limit, a store or read model behind). */
const RETRYABLE = new Set([429, 503]);

export function problemResponse(status: number, description = titleOf(status)) {
  return { status, description, ...(RETRYABLE.has(status) ? { headers: headersOf(['retry-after']) } : {}), content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaRef('Problem') } } };
}

/** A path parameter that is a graph id or a project: a DNS-1123 label (anything else is not found). */
export function ApiNameParam(name: string, description: string): MethodDecorator {
  return ApiParam({ name, description, schema: { type: 'string', pattern: DNS_LABEL_PATTERN } });
}

export function ApiStringParam(name: string, description: string, schema: SchemaObject = { type: 'string' }): MethodDecorator {
  return ApiParam({ name, description, schema });
}

export function ApiQueryParam(name: string, description: string, schema: SchemaObject, required = false): MethodDecorator {
  return ApiQuery({ name, description, required, schema });
}

/** An optional query parameter that is a comma-separated list of these values (`?type=A,B`: OpenAPI's form style, not exploded). */
export function ApiQueryList(name: string, description: string, values: readonly string[]): MethodDecorator {
  return ApiQuery({ name, description, required: false, style: 'form', explode: false, schema: { type: 'array', items: { type: 'string', enum: [...values] } } });
}

/** `Prefer: respond-async` (answer 202 at once). */
export const ApiPreferHeader = (): MethodDecorator => ApiHeader({ name: 'Prefer', required: false, description: '`respond-async`: answer 202 at once', schema: { type: 'string' } });

/** `Idempotency-Key`: a retried request with the same key runs once. */
export const ApiIdempotencyHeader = (): MethodDecorator =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retried request with the same key runs once', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' } });

/** `If-Match`: the ETag the client saw; a stale one gives 412. */
export const ApiIfMatchHeader = (): MethodDecorator =>
  ApiHeader({ name: 'If-Match', required: false, description: 'the ETag (revision) the client saw; 412 when the graph has changed since', schema: { type: 'string', pattern: '^(W/)?"[0-9]{1,15}"$' } });
