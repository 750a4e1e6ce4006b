import type { FastifyInstance } from 'fastify';
import { redactUrl } from '../observability/logger';
import { PROBLEM_CONTENT_TYPE, titleOf } from './problem';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * RFC 9110 §15.5.6: a request for a path SMO serves, with a method it does not serve there, gets
 * 405 with `Allow` (Fastify alone answers 404, or 400 for a bodiless QUERY). Must be installed
 * before the routes are registered: it learns them from the `onRoute` hook.
 */
export function answerUnsupportedMethods(fastify: FastifyInstance): void {
  const paths = new Map<string, KnownPath>();
  fastify.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (typeof url !== 'string') return;
    const known = paths.get(url) ?? { pattern: patternOf(url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(String(method).toUpperCase());
    paths.set(url, known);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = new Set<string>();
    for (const known of paths.values()) if (known.pattern.test(path)) known.methods.forEach((method) => allowed.add(method));
    if (allowed.size === 0) return done();
    const allow = [...allowed].sort().join(', ');
    void reply
      .code(405)
      .header('allow', allow)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({ type: 'about:blank', title: titleOf(405), status: 405, detail: `${request.method} is not supported here; use ${allow}`, instance: redactUrl(request.url) });
  });
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
