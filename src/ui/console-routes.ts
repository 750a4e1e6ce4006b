import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { dnsLabel, MAX_GRAPH_ID_LENGTH } from '../descriptor/rules';
import { consolePage } from './console-pages';

/**
 * The console's Content-Security-Policy: scripts, styles and requests only from SMO itself, nothing
 * inline (no inline script, no style attribute), no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/** Graph ids as the descriptor validation accepts them, so a deep link is checked before it is echoed. */
const graphIdProblem = dnsLabel(MAX_GRAPH_ID_LENGTH, 'the graph id');

/**
 * Where the browser assets are: beside this file (sources under ts-jest, and dist/ where the build
 * copies them), else the sources of a checkout whose dist/ was compiled by tsc alone.
 */
function assetDirectory(): string {
  const candidates = [join(__dirname, 'assets'), join(__dirname, '..', '..', '..', 'src', 'ui', 'assets')];
  const found = candidates.find((dir) => existsSync(join(dir, 'console.js')));
  if (!found) throw new Error(`console assets not found (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const dir = assetDirectory();
  return new Map(
    Object.entries(ASSET_TYPES).map(([file, type]) => {
      const body = readFileSync(join(dir, file));
      return [file, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }];
    }),
  );
}

/**
 * Serves the console at /ui: HTML shells (public, data-free) and their two assets, read once at
 * start-up. `GET /` leads here.
 */
export function serveConsole(fastify: FastifyInstance): void {
  const assets = loadAssets();
  const html = (body: string) => (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);
  fastify.get('/', (_request, reply) => reply.code(302).header('location', '/ui').type('application/json').send({ console: '/ui', docs: '/docs', openapi: ['/docs-json', '/docs-yaml'] }));
  fastify.get('/ui', html(consolePage('graphs')));
  fastify.get('/ui/events', html(consolePage('events')));
  fastify.get('/ui/what-if', html(consolePage('what-if')));
  fastify.get<{ Params: { name: string } }>('/ui/graphs/:name', (request, reply) => {
    const { name } = request.params;
    const problem = graphIdProblem(name);
    if (problem) {
      return reply.code(400).type('application/problem+json').send({ type: 'about:blank', title: 'Bad Request', status: 400, detail: `name: ${problem}`, errors: [{ pointer: '/name', message: problem }] });
    }
    return html(consolePage('graph', name))(request, reply);
  });
  fastify.get<{ Params: { file: string } }>('/ui/assets/:file', (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `No console asset ${request.params.file}` });
    void reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
