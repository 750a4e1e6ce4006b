import { request as httpRequest } from 'node:http';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';

const READ = 'read-token-0123456789abcdef';
const OPERATE = 'operate-token-0123456789abcdef';
const GRAPH = 'image-detection-graph';
/** Headers an answer must carry whichever way it was served (the correlation id is the caller's). */
const COMPARED = ['content-type', 'etag', 'x-correlation-id', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy'];

/**
 * GET /graphs/{name} and GET /project/{project}/graphs without a query are answered from the read cache
 * by the front door before Fastify (src/api/front-door.ts), else by Fastify directly
 * (src/api/graphs/graph-read.ts); with a query they go through Nest's controller. All three must be
 * indistinguishable to a client.
 */
describe('GET /graphs/{name} answered without Nest', () => {
  let smo: RunningApp;
  beforeAll(async () => {
    smo = await startApp({ SMO_API_TOKENS: `${READ}:read,${OPERATE}:operate`, SMO_DEPLOY_WAIT: '10' });
    const deploy = await fetch(`${smo.url}/project/demo/graphs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/yaml' },
      body: descriptorText(),
    });
    expect(deploy.status).toBe(200);
  });
  afterAll(async () => smo.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${smo.url}${path}`, { headers: { authorization: `Bearer ${READ}`, ...headers } });
  const answer = async (response: Response) => ({
    status: response.status,
    headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers.get(name)])),
    body: await response.text(),
  });

  it('answers as the controller does: status, body and headers', async () => {
    const correlation = { 'x-correlation-id': 'read-direct-1' };
    // The first read fills the cache, the second is the front door's.
    const [direct, fromCache] = [await answer(await get(`/graphs/${GRAPH}`, correlation)), await answer(await get(`/graphs/${GRAPH}`, correlation))];
    const throughNest = await answer(await get(`/graphs/${GRAPH}?unused=1`, correlation));
    expect(direct.status).toBe(200);
    expect(direct.headers['etag']).toMatch(/^W\/"\d+"$/);
    expect(JSON.parse(direct.body)).toMatchObject({ name: GRAPH, status: 'Running' });
    expect(direct).toEqual(throughNest);
    expect(fromCache).toEqual(throughNest);
  });

  /** A GET with `Content-Length: 0`: the front door leaves any request with a body length to Fastify (node:http, as fetch sends none). */
  const getWithEmptyBody = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, string | null>; body: string }>((resolve, reject) => {
      const request = httpRequest(`${smo.url}${path}`, { headers: { authorization: `Bearer ${READ}`, 'content-length': '0', ...headers } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          const value = (name: string) => (response.headers[name] === undefined ? null : String(response.headers[name]));
          resolve({ status: response.statusCode!, headers: Object.fromEntries(COMPARED.map((name) => [name, value(name)])), body });
        });
      });
      request.on('error', reject);
      request.end();
    });

  it('answers a cached read the front door leaves to Fastify as the door does', async () => {
    const correlation = { 'x-correlation-id': 'read-direct-4' };
    for (const path of [`/graphs/${GRAPH}`, '/project/demo/graphs']) {
      const fromDoor = await answer(await get(path, correlation));
      const fromFastify = await getWithEmptyBody(path, correlation);
      expect(fromDoor.status).toBe(200);
      expect(fromFastify).toEqual(fromDoor);
    }
  });

  it('answers an unknown graph with the same 404 problem', async () => {
    const direct = await answer(await get('/graphs/no-such-graph', { 'x-correlation-id': 'read-direct-2' }));
    const throughNest = await answer(await get('/graphs/no-such-graph?unused=1', { 'x-correlation-id': 'read-direct-2' }));
    expect(direct.status).toBe(404);
    expect(direct.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(direct.body)).toMatchObject({ status: 404, detail: 'Graph with name no-such-graph not found', instance: '/graphs/no-such-graph' });
    expect({ ...direct, body: null }).toEqual({ ...throughNest, body: null });
  });

  it('asks for a token with 401 problem+json, and accepts a read token', async () => {
    for (const authorization of [undefined, `Bearer ${READ}x`]) {
      const response = await fetch(`${smo.url}/graphs/${GRAPH}`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 401, instance: `/graphs/${GRAPH}` });
    }
  });

  it("answers a project's list as the controller does, and the same 400 problem for a project that is no DNS label", async () => {
    const correlation = { 'x-correlation-id': 'read-direct-3' };
    const [direct, fromCache] = [await answer(await get('/project/demo/graphs', correlation)), await answer(await get('/project/demo/graphs', correlation))];
    // ?limit=1000 is the default: the same answer, through Nest.
    const throughNest = await answer(await get('/project/demo/graphs?limit=1000', correlation));
    expect(direct.status).toBe(200);
    expect((JSON.parse(direct.body) as Array<{ name: string }>).map((graph) => graph.name)).toEqual([GRAPH]);
    expect(direct).toEqual(throughNest);
    expect(fromCache).toEqual(throughNest);
    expect(await answer(await get('/project/nobody/graphs', correlation))).toMatchObject({ status: 200, body: '[]' });
    const invalid = await answer(await get('/project/Not_A_Label/graphs', correlation));
    const invalidThroughNest = await answer(await get('/project/Not_A_Label/graphs?limit=1', correlation));
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body)).toMatchObject({ status: 400, errors: [{ pointer: '/project' }], instance: '/project/Not_A_Label/graphs' });
    expect({ ...invalid, body: null }).toEqual({ ...invalidThroughNest, body: null });
    expect((await fetch(`${smo.url}/project/demo/graphs`)).status).toBe(401);
  });

  it('is counted in the request metrics under its route', async () => {
    await get(`/graphs/${GRAPH}`);
    const metrics = await (await fetch(`${smo.url}/metrics`)).text();
    expect(metrics).toMatch(/smo_http_request_duration_seconds_count[^\n]*route="\/graphs\/:name"[^\n]*status="200"/);
  });
});

describe('GET /graphs/{name} shares the caller rate limit with every other route', () => {
  it('answers 429 with Retry-After once the caller spent its budget elsewhere', async () => {
    const smo = await startApp({ SMO_RATE_LIMIT: '2' });
    try {
      const statuses: number[] = [];
      while (statuses.at(-1) !== 429 && statuses.length < 20) statuses.push((await fetch(`${smo.url}/project/demo/graphs`)).status);
      expect(statuses.at(-1)).toBe(429);
      const limited = await fetch(`${smo.url}/graphs/${GRAPH}`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await limited.json()).toMatchObject({ status: 429 });
    } finally {
      await smo.close();
    }
  });
});
