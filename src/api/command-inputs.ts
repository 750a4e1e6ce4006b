import { HttpStatus } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import { toPointer } from '../descriptor/problem';
import { isRecord } from '../shared/is-record';
import { changesState } from './openapi/document';
import { ProblemException, type Problem } from './problem';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route ignores query parameters it does not read (see AcceptsUnknownQuery). */
    acceptsUnknownQuery?: boolean;
  }
}

/**
 * Marks a command route another program calls (the Alertmanager webhook): a query parameter it does not read is
 * ignored, as unknown fields of its body are (that program may add some later; a refusal would lose its alerts).
 */
export const AcceptsUnknownQuery = (): MethodDecorator => RouteConfig({ acceptsUnknownQuery: true } satisfies FastifyContextConfig);

const COMMAND_METHODS = ['post', 'put', 'patch', 'delete'] as const;

/** What a command route reads besides its path, as its operation in the OpenAPI document says. */
interface CommandInputs {
  /** The operation's path, as the document writes it (`/graphs/{name}/placement`). */
  path: string;
  /** Its query parameters' names; null when it ignores those it does not read. */
  query: readonly string[] | null;
  readsBody: boolean;
}

/**
 * A command route (POST, PUT, PATCH, DELETE, and a GET that changes state) refuses input it would not read, with 400
 * naming each piece, and does nothing: a query parameter its operation in the OpenAPI document does not have, and, on
 * a route without a request body there (stop, start, placement, a parked event's retry or discard, …), a body that
 * carries anything. Both had
 * been ignored without a word: `?dryrun=true` (for `dryRun`) deployed for real, `?maxmoves=1` or a body
 * `{"maxMoves": 1}` re-placed a graph with no bound on the services moved, `{"eventId": …}` sent to a parked-events
 * retry retried them all. An empty object (what some clients send with every POST) is let through. Read routes keep
 * ignoring what they do not read (a cache-busting parameter, say): nothing is done on their behalf. The check is a
 * preValidation hook (after the body is parsed) of the command routes only, so no read pays for it.
 */
export function refuseCommandInputsNotRead(
  fastify: FastifyInstance,
  document: OpenAPIObject,
  refuse: (problem: ProblemException, request: FastifyRequest, reply: FastifyReply) => void,
): void {
  // `POST /graphs/:name/placement` (as Fastify names routes) → what it reads.
  const commands = new Map<string, CommandInputs>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of [...COMMAND_METHODS, 'get'] as const) {
      const operation = item[method];
      // A GET that changes state (upstream's `GET /graphs/{name}/stop`) is a command too.
      if (!operation || (method === 'get' && !changesState(operation))) continue;
      const query = (operation.parameters ?? []).filter((p): p is ParameterObject => 'in' in p && p.in === 'query').map((p) => p.name);
      commands.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, { path, query, readsBody: operation.requestBody !== undefined });
    }
  }
  fastify.addHook('onRoute', (route) => {
    if (![route.method].flat().some((method) => commands.has(`${method} ${route.url}`))) return;
    const acceptsUnknownQuery = route.config?.acceptsUnknownQuery === true;
    const check: preValidationHookHandler = (request, reply, done) => {
      const documented = commands.get(`${request.method} ${route.url}`);
      if (!documented) return done();
      const inputs = acceptsUnknownQuery ? { ...documented, query: null } : documented;
      const problems = inputsNotRead(inputs, request);
      if (problems.length === 0) return done();
      refuse(ProblemException.of(HttpStatus.BAD_REQUEST, detailOf(request.method, inputs), { errors: problems }), request, reply);
    };
    route.preValidation = [...[route.preValidation ?? []].flat(), check];
  });
}

function inputsNotRead({ query, readsBody }: CommandInputs, request: FastifyRequest): Problem[] {
  const problems: Problem[] = [];
  if (query !== null && request.url.includes('?')) {
    for (const name of Object.keys(request.query as Record<string, unknown>)) {
      if (!query.includes(name)) problems.push({ pointer: toPointer([name]), message: `unknown query parameter${suggestion(name, query)}` });
    }
  }
  const { body } = request;
  if (readsBody || body === undefined || body === null || (isRecord(body) && Object.keys(body).length === 0)) return problems;
  if (!isRecord(body)) return [...problems, { pointer: '', message: 'this route reads no body' }];
  for (const key of Object.keys(body)) {
    const message = query?.includes(key) ? `is a query parameter of this route (?${key}=…), not a body field` : 'unknown field: this route reads no body';
    problems.push({ pointer: toPointer([key]), message });
  }
  return problems;
}

/** ` (did you mean maxMoves?)` for a parameter that differs from one of the route's only by case or separators. */
function suggestion(name: string, query: readonly string[]): string {
  const folded = (text: string) => text.toLowerCase().replace(/[-_]/g, '');
  const near = query.find((known) => folded(known) === folded(name));
  return near ? ` (did you mean ${near}?)` : '';
}

function detailOf(method: string, { path, query, readsBody }: CommandInputs): string {
  const reads = [query === null ? 'its query parameters' : query.length > 0 ? `query parameters ${query.join(', ')}` : 'no query parameters', readsBody ? 'a body' : 'no body'];
  return `${method} ${path} reads ${reads.join(' and ')}; nothing was done`;
}
