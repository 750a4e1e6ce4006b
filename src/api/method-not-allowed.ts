import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { redactUrl } from '../observability/logger';
import { PROBLEM_CONTENT_TYPE, titleOf } from './problem';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * RFC 9110 §15.5.6: a request for a path SMO serves, with a method it does not serve there, gets
 * 405 with `Allow` (Fastify alone answers 404, or 400 for a bodiless QUERY). HEAD on a GET route
 * that changes state (ChangesState: upstream's `GET /graphs/{name}/stop` …) gets 405 too: Fastify
 * mirrors every GET as HEAD, and HEAD must not run a command (RFC 9110 §9.2.1: safe). Must be
 * installed before the routes are registered: it learns them from the `onRoute` hook.
 */
export function answerUnsupportedMethods(fastify: FastifyInstance): void {
  const paths = new Map<string, KnownPath>();
  const allowedOn = (path: string): string => {
    const allowed = new Set<string>();
    for (const known of paths.values()) if (known.pattern.test(path)) known.methods.forEach((method) => allowed.add(method));
    return [...allowed].sort().join(', ');
  };
  fastify.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (typeof url !== 'string') return;
    if (route.method === 'HEAD' && route.config?.changesState === true) {
      route.handler = function headOfCommand(request: FastifyRequest, reply: FastifyReply) {
        return sendMethodNotAllowed(request, reply, allowedOn(request.url.split('?', 1)[0] ?? '/'));
      } as RouteHandlerMethod;
      return;
    }
    const known = paths.get(url) ?? { pattern: patternOf(url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(String(method).toUpperCase());
    paths.set(url, known);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const allow = allowedOn(request.url.split('?', 1)[0] ?? '/');
    if (allow === '') return done();
    sendMethodNotAllowed(request, reply, allow);
  });
}

function sendMethodNotAllowed(request: FastifyRequest, reply: FastifyReply, allow: string): FastifyReply {
  return reply
    .code(405)
    .header('allow', allow)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send({ type: 'about:blank', title: titleOf(405), status: 405, detail: `${request.method} is not supported here; use ${allow}`, instance: redactUrl(request.url) });
}

/** `/graphs/:name/stop` → /^\/graphs\/[^/]+\/stop\/?$/ (trailing slashes are ignored, as the router does). */
function patternOf(url: string): RegExp {
  const source = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}
