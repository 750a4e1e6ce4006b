import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../config/config';
import { createLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { FrontDoor } from './front-door';
import type { CachedRead } from './graphs/graph-read';
import { RequestAuthorizer } from './security/auth.guard';

const TOKEN = 'read-token-0123456789abcdef';
// Not only ASCII: the door sends the body's bytes as they are, and its length is theirs.
const CACHED = Buffer.from('{"name":"cached","description":"déjà vu — 東京 🚀"}');

/**
 * The door in front of a bare Fastify whose routes answer `fastify:<route>`: every answer says who gave it. The
 * cache holds one answer, the graph `cached`; the project list holds none.
 */
async function doorBeforeFastify(options: { rateLimit?: number } = {}) {
  const config = loadConfig({ SMO_DATA_DIR: '/nonexistent', SMO_API_TOKENS: `${TOKEN}:read`, SMO_RATE_LIMIT: String(options.rateLimit ?? 1000) });
  const lines: Array<Record<string, unknown>> = [];
  const runtime = {
    logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } }),
    metrics: new Metrics(() => undefined),
  };
  const cacheReads: string[] = [];
  const reads: Record<string, CachedRead> = {
    '/graphs/:name': ({ name }, reply) => {
      cacheReads.push(name!);
      if (name !== 'cached') return undefined;
      reply.header('etag', 'W/"7"');
      reply.header('content-type', 'application/json; charset=utf-8');
      return CACHED;
    },
    '/project/:project/graphs': () => undefined,
  };
  const authorizer = new RequestAuthorizer(config.security, undefined, true);
  const door = new FrontDoor(runtime, authorizer, reads);
  const fastify: FastifyInstance = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  door.install(fastify);
  // Fastify's routes authorise as SMO's do (the same authorizer); a refusal is answered with its status.
  for (const route of ['/graphs/:name', '/graphs/summary', '/project/:project/graphs']) {
    fastify.get(route, async (request, reply) => {
      try {
        authorizer.authorize(request, reply);
      } catch (refusal) {
        return reply.code((refusal as { problem: { status: number } }).problem.status).send(`fastify:${route}:refused`);
      }
      return `fastify:${route}`;
    });
  }
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as { port: number };
  return { door, fastify, port, runtime, lines, cacheReads };
}

type Rig = Awaited<ReturnType<typeof doorBeforeFastify>>;

/** A raw request (fetch would normalise the target), answered as status, headers and body. */
function send(rig: Rig, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: rig.port, path, method: options.method ?? 'GET', headers: { authorization: `Bearer ${TOKEN}`, ...options.headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('FrontDoor', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await doorBeforeFastify()));
  afterEach(async () => rig.fastify.close());

  it("answers a plain GET of a cached read itself, with the route's headers, the security headers and the caller's correlation id", async () => {
    const answer = await send(rig, '/graphs/cached', { headers: { 'x-correlation-id': 'door-1' } });
    expect(answer).toMatchObject({ status: 200, body: CACHED.toString() });
    expect(answer.headers).toMatchObject({
      etag: 'W/"7"',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(CACHED.length),
      'x-correlation-id': 'door-1',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    expect((await send(rig, '/graphs/cached')).headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records the answer as Fastify records a request: the metric under its route, the request line', async () => {
    await send(rig, '/graphs/cached', { headers: { 'x-correlation-id': 'door-2' } });
    const { values } = await rig.runtime.metrics.httpRequests.get();
    const count = values.find((sample) => sample.metricName === 'smo_http_request_duration_seconds_count' && sample.labels['route'] === '/graphs/:name');
    expect(count).toMatchObject({ value: 1, labels: { method: 'GET', status: '200' } });
    expect(rig.lines).toContainEqual(expect.objectContaining({ msg: 'request', correlationId: 'door-2', method: 'GET', url: '/graphs/cached', status: 200 }));
  });

  it.each([
    ['a read the cache does not hold', '/graphs/other', {}],
    ['HEAD', '/graphs/cached', { method: 'HEAD' }],
    ['a query', '/graphs/cached?at=3', {}],
    ['a trailing slash', '/graphs/cached/', {}],
    ['an escaped character', '/graphs/cache%64', {}],
    ['a request with a body', '/graphs/cached', { body: 'x', headers: { 'content-type': 'text/plain', 'content-length': '1' } }],
    ['a request with a chunked body', '/graphs/cached', { body: 'x', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } }],
    ['a static route the pattern also matches', '/graphs/summary', {}],
    ['a parameter longer than the router allows', `/graphs/${'a'.repeat(101)}`, {}],
    ['a request without a token', '/graphs/cached', { headers: { authorization: '' } }],
    ['a request for another host on a loopback-only SMO', '/graphs/cached', { headers: { host: 'rebound.example:8000' } }],
  ])('leaves %s to Fastify', async (_case, path, options: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const answer = await send(rig, path, options);
    if (options.method === 'HEAD') expect(answer.headers['etag']).toBeUndefined();
    else expect(answer.body).toMatch(/^fastify:|"statusCode":414/);
  });

  it('leaves every request to Fastify once Fastify begins to close', async () => {
    rig.door.close();
    expect((await send(rig, '/graphs/cached')).body).toBe('fastify:/graphs/:name');
    await rig.fastify.close();
    const closedWithFastify = await doorBeforeFastify();
    await closedWithFastify.fastify.close();
    const request = { method: 'GET', url: '/graphs/cached', headers: { authorization: `Bearer ${TOKEN}` }, socket: { remoteAddress: '127.0.0.1' } };
    expect(closedWithFastify.door.answer(request as never, undefined as never)).toBe(false);
    expect(closedWithFastify.cacheReads).toEqual([]);
    rig = await doorBeforeFastify(); // for afterEach
  });

  it('authorises before it reads: a refused request learns nothing from the cache', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }, { host: 'rebound.example' }] as Array<Record<string, string>>) {
      expect((await send(rig, '/graphs/cached', { headers })).body).toBe('fastify:/graphs/:name:refused');
    }
    expect(rig.cacheReads).toEqual([]);
  });

  it("leaves an absolute-form target to Fastify, which judges the target's host (RFC 9112: the Host is then ignored)", async () => {
    expect((await send(rig, 'http://rebound.example:8000/graphs/cached')).body).toBe('fastify:/graphs/:name:refused');
    expect((await send(rig, `http://127.0.0.1:${rig.port}/graphs/cached`)).body).toBe('fastify:/graphs/:name');
    expect(rig.cacheReads).toEqual([]);
  });

  it("takes one token of the caller's rate limit per answer, and none for a request it refuses", async () => {
    await rig.fastify.close();
    rig = await doorBeforeFastify({ rateLimit: 1 }); // a bucket of 2
    expect((await send(rig, '/graphs/cached')).status).toBe(200);
    expect((await send(rig, '/graphs/cached', { headers: { authorization: 'Bearer wrong' } })).body).toBe('fastify:/graphs/:name:refused');
    expect((await send(rig, '/graphs/cached')).body).toBe(CACHED.toString());
    // The bucket is empty: refused by the door and by the route.
    expect(await send(rig, '/graphs/cached')).toMatchObject({ status: 429, body: 'fastify:/graphs/:name:refused' });
  });

  it('charges a read it lets through but cannot answer once: Fastify grants it without charging it again', async () => {
    await rig.fastify.close();
    rig = await doorBeforeFastify({ rateLimit: 1 }); // a bucket of 2
    expect(await send(rig, '/graphs/other')).toMatchObject({ status: 200, body: 'fastify:/graphs/:name' });
    expect(await send(rig, '/graphs/cached')).toMatchObject({ status: 200, body: CACHED.toString() });
    expect((await send(rig, '/graphs/other')).status).toBe(429);
  });

  it("refuses to stand in front of a server whose request handling it does not know", () => {
    const fastify = Fastify();
    fastify.server.on('request', () => undefined);
    const door = new FrontDoor({ logger: createLogger({ level: 'silent' }), metrics: new Metrics(() => undefined) }, new RequestAuthorizer(loadConfig({ SMO_DATA_DIR: '/nonexistent' }).security, undefined), {});
    expect(() => door.install(fastify)).toThrow(/one request handler/);
  });
});
