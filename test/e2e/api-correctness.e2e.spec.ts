import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createLogger } from '../../src/observability/logger';
import type { GraphView } from '../../src/api/graphs/graph-view';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';

/** Issue 15, items 3, 6 and 8: what the API answers must say what is true now. */

const GRAPH = 'image-detection-graph';
const FAKE_HDARCTL = join(__dirname, '..', 'fixtures', 'fake-hdarctl', 'hdarctl');

/** The Brussels demo without its event-triggered virtual object: once settled, nothing more happens to it. */
function autoOnlyDescriptor(): Record<string, unknown> {
  const document = parse(descriptorText()) as { hdaGraph: { services: Array<{ id: string }> } };
  document.hdaGraph.services = document.hdaGraph.services.filter((service) => service.id !== 'image-compression-vo');
  return document;
}

/** The Brussels demo with the typo of the issue: `useStaticPlacment` (missing "e"). */
const misspelt = descriptorText().replace(/hdaGraphIntent:\n/, 'hdaGraphIntent:\n    useStaticPlacment: true\n');

describe('API correctness (issue 15)', () => {
  let smo: RunningApp;
  beforeEach(async () => (smo = await startApp({ SMO_DEPLOY_WAIT: '20' })));
  afterEach(async () => smo.close());

  const call = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${smo.url}${path}`, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const idle = () => smo.runtime.processing.whenIdle(20_000);

  describe('item 3: every 2xx describing a graph carries its current revision', () => {
    it('the ETag of a 200 deploy, stop and start is the settled graph’s: If-Match with it is accepted', async () => {
      const deploy = await call('POST', '/project/demo/graphs', { body: JSON.stringify(autoOnlyDescriptor()), headers: { 'content-type': 'application/json' } });
      expect(deploy.status).toBe(200);
      const deployed = deploy.headers.get('etag');
      await idle();
      const get = await call('GET', `/graphs/${GRAPH}`);
      const view = (await get.json()) as GraphView;
      expect(view.settled).toBe(true);
      // Submitted (0), placed (1), two installs (2, 3): the answer describes the graph at 3, not at 0.
      expect(deployed).toBe(`W/"${view.revision}"`);
      expect(get.headers.get('etag')).toBe(deployed);

      const stop = await call('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': deployed! } });
      expect(stop.status).toBe(200);
      const stopped = stop.headers.get('etag');
      await idle();
      expect((await call('GET', `/graphs/${GRAPH}`)).headers.get('etag')).toBe(stopped);

      const start = await call('POST', `/graphs/${GRAPH}/start`, { headers: { 'if-match': stopped! } });
      expect(start.status).toBe(200);
      await idle();
      expect((await call('GET', `/graphs/${GRAPH}`)).headers.get('etag')).toBe(start.headers.get('etag'));
      // A stale one is still refused.
      expect((await call('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': deployed! } })).status).toBe(412);
    });
  });

  describe('item 6: warnings reach the author', () => {
    it('a misspelt field is reported in the deploy answer (text and JSON) and in GET /graphs/{name}', async () => {
      const text = await call('POST', '/project/demo/graphs', { body: misspelt, headers: { 'content-type': 'application/yaml' } });
      expect(text.status).toBe(200);
      const lines = (await text.text()).split('\n');
      expect(lines[0]).toBe('Graph deployment successful');
      expect(lines.find((line) => line.startsWith('Warning: '))).toContain('useStaticPlacment');

      const view = (await (await call('GET', `/graphs/${GRAPH}`)).json()) as GraphView;
      expect(view.warnings).toEqual([expect.objectContaining({ pointer: '/hdaGraph/hdaGraphIntent/useStaticPlacment' })]);
      expect(view.warnings[0]!.message).not.toBe('');
      expect((await (await call('GET', '/project/demo/graphs')).json() as GraphView[])[0]!.warnings).toEqual(view.warnings);

      expect((await call('DELETE', `/graphs/${GRAPH}`)).status).toBe(200);
      const json = await call('POST', '/project/demo/graphs', { body: misspelt, headers: { 'content-type': 'application/yaml', accept: 'application/json' } });
      expect(json.status).toBe(200);
      const answer = (await json.json()) as { name: string; status: string; revision: number; warnings: Array<{ pointer: string; message: string }> };
      expect(answer).toMatchObject({ name: GRAPH, status: 'Settled', warnings: view.warnings });
      expect(json.headers.get('etag')).toBe(`W/"${answer.revision}"`);

      const accepted = await call('POST', '/project/other/graphs', {
        body: misspelt.replace(`id: ${GRAPH}`, 'id: second-graph').replace(/- id: ([a-z-]+)/g, '- id: $1-2').replace(/(connectionPoints: \[")([a-z-]+)/g, '$1$2-2'),
        headers: { 'content-type': 'application/yaml', prefer: 'respond-async' },
      });
      expect(accepted.status).toBe(202);
      expect(((await accepted.json()) as { warnings: unknown[] }).warnings).toEqual(view.warnings);
    });

    it('a descriptor without findings has no warnings', async () => {
      expect((await call('POST', '/project/demo/graphs', { body: descriptorText(), headers: { 'content-type': 'application/yaml' } })).status).toBe(200);
      expect(((await (await call('GET', `/graphs/${GRAPH}`)).json()) as GraphView).warnings).toEqual([]);
    });
  });
});

describe('item 8: JSON syntax errors say where (issue 15)', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp()));
  afterAll(async () => smo.close());

  type Problem = { status: number; detail: string; errors: Array<{ pointer: string; message: string; line: number; column: number; offset: number }> };
  const postJson = async (path: string, body: string) => {
    const response = await fetch(`${smo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, type: response.headers.get('content-type'), problem: (await response.json()) as Problem };
  };

  it.each([
    ['a missing value', '{\n  "hdaGraph": {\n    "id": ,\n  }\n}', { line: 3, column: 11, offset: 28 }],
    ['an unquoted word', '{\n  "hdaGraph": nope\n}', { line: 2, column: 15, offset: 16 }],
    ['a truncated body', '{"hdaGraph": {"id": "x"', { line: 1, column: 24, offset: 23 }],
    ['a byte order mark, then a missing value', '\uFEFF{"hdaGraph": }', { line: 1, column: 14, offset: 13 }],
  ])('%s in a deploy body: 400 problem+json with line and column', async (_what, body, where) => {
    const { status, type, problem } = await postJson('/project/demo/graphs', body);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '', ...where })]);
    expect(problem.errors[0]!.message).toMatch(new RegExp(`^invalid JSON: .+ \\(line ${where.line}, column ${where.column}\\)$`));
    expect(problem.detail).toContain(`line ${where.line}, column ${where.column}`);
    // The answer does not echo the body back.
    expect(problem.detail).not.toContain('hdaGraph');
  });

  it('on any JSON route, e.g. a placement plan', async () => {
    const { status, problem } = await postJson('/placement/plan', '{"services": [1 2]}');
    expect(status).toBe(400);
    expect(problem.errors[0]).toMatchObject({ line: 1, column: 17, offset: 16 });
  });

  it.each([
    ['/placement/plan', `{"clusters": ${'['.repeat(5000)}${']'.repeat(5000)}, "services": []}`, /^\/clusters(\/0){63}$/],
    ['/placement/plan', `{"intents": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`, /^\/intents(\/a){63}$/],
    ['/vims/smo_vims', `{"vim_name": ${'['.repeat(5000)}${']'.repeat(5000)}}`, /^\/vim_name(\/0){63}$/],
  ])('a body nested thousands deep on %s: 400 naming where it is too deep, not a stack overflow', async (path, body, pointer) => {
    const { status, type, problem } = await postJson(path, body);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(problem.errors).toEqual([expect.objectContaining({ message: 'nesting is deeper than 64 levels' })]);
    expect(problem.errors[0]!.pointer).toMatch(pointer);
  });

  it.each([
    ['/graphs/image-detection-graph/history?type=GraphSubmitted&type=GraphStopped', 'type'],
    ['/events?correlationId=a&correlationId=b', 'correlationId'],
    ['/graphs/image-detection-graph?at=1&at=2', 'at'],
    ['/project/demo/graphs?limit=1&limit=2', 'limit'],
  ])('a query parameter given twice, %s: 400 naming it', async (path, name) => {
    const response = await fetch(`${smo.url}${path}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as Problem).errors).toEqual([{ pointer: `/${name}`, message: 'given more than once; give it once' }]);
  });

  it.each([
    ['a bad percent-encoding', '/project/%ZZ/graphs', 400, 'The URL is not validly percent-encoded'],
    ['a 5,000-character path segment', `/admin/projections/${'a'.repeat(5000)}`, 414, 'A path segment is longer than 100 characters'],
  ])('what the router refuses, %s, is problem+json too', async (_what, path, status, detail) => {
    const response = await fetch(`${smo.url}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status, detail });
  });

  /** A raw request on its own connection: what Node's HTTP parser refuses never reaches a route. */
  const rawRequest = (text: string, url = smo.url) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it.each([
    ['an unknown method', 'FOO /graphs HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a Content-Length that is not a number', 'POST /placement/plan HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n', 400],
    ['headers over the size limit', `GET /graphs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('what Node refuses, %s, is answered problem+json', async (_what, text, status) => {
    const answer = await rawRequest(text);
    expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(answer).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status });
  });

  it('each request the parser refuses is counted in /metrics and logged with its status and code (no route ran for it)', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const logged = await startApp({}, { logger });
    try {
      await rawRequest(`GET /graphs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, logged.url);
      await rawRequest('FOO /graphs HTTP/1.1\r\nHost: x\r\n\r\n', logged.url);
      await rawRequest('FOO /graphs HTTP/1.1\r\nHost: x\r\n\r\n', logged.url);
      const metrics = await (await fetch(`${logged.url}/metrics`)).text();
      expect(metrics).toContain('smo_http_unparsed_requests_total{status="431"} 1');
      expect(metrics).toContain('smo_http_unparsed_requests_total{status="400"} 2');
      const refused = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request refused by the HTTP parser');
      expect(refused.map(({ status, code, remoteAddress }) => ({ status, code, remoteAddress }))).toEqual([
        { status: 431, code: 'HPE_HEADER_OVERFLOW', remoteAddress: '127.0.0.1' },
        { status: 400, code: 'HPE_INVALID_METHOD', remoteAddress: '127.0.0.1' },
        { status: 400, code: 'HPE_INVALID_METHOD', remoteAddress: '127.0.0.1' },
      ]);
    } finally {
      await logged.close();
    }
  });

  it.each([
    ['/placement/plan', 'application/yaml', 'services: []\n', 'Content-Type "application/yaml": this route reads application/json (UTF-8)'],
    ['/placement/plan', 'text/plain', '{}', 'Content-Type "text/plain": this route reads application/json (UTF-8)'],
    ['/graphs/image-detection-graph/placements/replay', 'application/x-www-form-urlencoded', 'solver=glpk', 'Content-Type "application/x-www-form-urlencoded": this route reads application/json (UTF-8)'],
    ['/placement/plan', 'application/json; charset=latin1', '{}', 'Content-Type "application/json" with charset "latin1": this route reads application/json (UTF-8)'],
  ])('a body that is not JSON on %s (%s): 415 before it is parsed', async (path, contentType, body, message) => {
    const response = await fetch(`${smo.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as Problem).errors).toEqual([{ pointer: '', message }]);
  });

  it('JSON with a UTF-8 charset is read; a bodiless POST needs no Content-Type', async () => {
    const plan = JSON.stringify({ clusters: [{ name: 'c1', cpu: 4, memory: '8Gi' }], services: [{ id: 'a', cpu: 1 }] });
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON; charset="UTF-8"']) {
      expect((await fetch(`${smo.url}/placement/plan`, { method: 'POST', headers: { 'content-type': contentType }, body: plan })).status).toBe(200);
    }
    expect((await fetch(`${smo.url}/clusters/sync`, { method: 'POST' })).status).not.toBe(415);
  });

  it.each([['9999999999999999999999'], ['2026-02-30T00:00:00Z'], ['2026-13-01'], ['yesterday']])('?at=%s that is no position or no date: 400 naming at', async (at) => {
    const response = await fetch(`${smo.url}/graphs/${GRAPH}?at=${encodeURIComponent(at)}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).errors).toEqual([expect.objectContaining({ pointer: '/at' })]);
  });

  it('an If-Match revision too long to be exact is refused with 400, not compared', async () => {
    const response = await fetch(`${smo.url}/graphs/${GRAPH}/stop`, { method: 'POST', headers: { 'if-match': 'W/"99999999999999999999"' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).detail).toContain('If-Match');
  });

  it.each([
    ['if-match', 'v3', '/If-Match'],
    ['idempotency-key', 'short', '/Idempotency-Key'],
  ])('a malformed %s header is refused with 400 whose errors name it, as a query parameter’s', async (header, value, pointer) => {
    const response = await fetch(`${smo.url}/graphs/${GRAPH}/stop`, { method: 'POST', headers: { [header]: value } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as Problem).errors).toEqual([{ pointer, message: expect.stringMatching(/^must be /) }]);
  });

  it('valid JSON with a forbidden __proto__ key is still refused, not called a syntax error', async () => {
    const { status, problem } = await postJson('/placement/plan', '{"__proto__": {"polluted": true}}');
    expect(status).toBe(400);
    expect(problem.detail).not.toContain('line ');
  });
});

describe('input a command route does not read: an unknown query parameter, a body where it reads none', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp({ SMO_DEPLOY_WAIT: '20' })));
  afterAll(async () => smo.close());

  type Problem = { status: number; detail: string; errors: Array<{ pointer: string; message: string }> };
  const send = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${smo.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }) });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const refusal = async (method: string, path: string, body?: string) => {
    const answer = await send(method, path, body);
    expect({ status: answer.status, type: answer.type }).toEqual({ status: 400, type: expect.stringContaining('application/problem+json') });
    return JSON.parse(answer.text) as Problem;
  };
  const historyLength = async () => ((await (await fetch(`${smo.url}/graphs/${GRAPH}/history?limit=500`)).json()) as { events: unknown[] }).events.length;

  it('is refused with 400 naming each piece (a query parameter sent as a body field as such), and changes nothing', async () => {
    // Ignored, ?dryrun=true (for dryRun) had deployed for real.
    const dryRun = await refusal('POST', '/project/demo/graphs?dryrun=true', JSON.stringify(autoOnlyDescriptor()));
    expect(dryRun.errors).toEqual([{ pointer: '/dryrun', message: 'unknown query parameter (did you mean dryRun?)' }]);
    expect((await send('GET', `/graphs/${GRAPH}`)).status).toBe(404);

    expect((await send('POST', '/project/demo/graphs', JSON.stringify(autoOnlyDescriptor()))).status).toBe(200);
    await smo.runtime.processing.whenIdle(20_000);
    const before = await historyLength();

    // Ignored, {"maxMoves": 1} or ?maxmoves=1 had re-placed the graph with no bound on the services moved.
    const placement = await refusal('POST', `/graphs/${GRAPH}/placement`, '{"maxMoves": 1}');
    expect(placement.detail).toBe('POST /graphs/{name}/placement reads query parameters maxMoves, mode and no body; nothing was done');
    expect(placement.errors).toEqual([{ pointer: '/maxMoves', message: 'is a query parameter of this route (?maxMoves=…), not a body field' }]);
    expect((await refusal('POST', `/graphs/${GRAPH}/placement?maxmoves=1&mode=apply`)).errors).toEqual([{ pointer: '/maxmoves', message: 'unknown query parameter (did you mean maxMoves?)' }]);
    // A value of a parameter it reads, refused naming the parameter.
    expect((await refusal('POST', `/graphs/${GRAPH}/placement?maxMoves=-1`)).errors).toEqual([{ pointer: '/maxMoves', message: 'must be a whole number' }]);
    expect((await refusal('POST', `/graphs/${GRAPH}/placement?mode=bogus`)).errors).toEqual([{ pointer: '/mode', message: 'must be apply or propose' }]);
    // Upstream's GET that re-places reads no parameter: a bound given to it would not hold.
    expect((await refusal('GET', `/graphs/${GRAPH}/placement?maxMoves=1`)).detail).toBe('GET /graphs/{name}/placement reads no query parameters and no body; nothing was done');

    const remove = await refusal('DELETE', `/graphs/${GRAPH}?force=true`, '{"force": true}');
    expect(remove.detail).toBe('DELETE /graphs/{name} reads no query parameters and no body; nothing was done');
    expect(remove.errors).toEqual([
      { pointer: '/force', message: 'unknown query parameter' },
      { pointer: '/force', message: 'unknown field: this route reads no body' },
    ]);
    expect((await refusal('POST', `/graphs/${GRAPH}/stop`, '["now"]')).errors).toEqual([{ pointer: '', message: 'this route reads no body' }]);
    // Ignored, {"eventId": …} had retried every parked event of the processor.
    const retry = await refusal('POST', '/admin/processors/deployment/parked/retry', '{"eventId": "e-1"}');
    expect(retry.errors).toEqual([{ pointer: '/eventId', message: 'is a query parameter of this route (?eventId=…), not a body field' }]);

    expect(await historyLength()).toBe(before);
    expect((await send('GET', `/graphs/${GRAPH}`)).status).toBe(200);
  });

  it('lets an empty object through (some clients send one with every POST), no body at all, and the parameters a route reads', async () => {
    expect((await send('POST', `/graphs/${GRAPH}/stop`, '{}')).status).toBe(200);
    expect((await send('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
    // No body with a JSON Content-Type (many clients set it on every request) is no body: Fastify had answered 400.
    expect((await send('POST', `/graphs/${GRAPH}/stop`, '')).status).toBe(200);
    expect((await send('POST', `/graphs/${GRAPH}/start`, '')).status).toBe(200);
    // A route that reads a body says which it lacks.
    expect((await refusal('POST', '/placement/plan', '')).errors).toEqual([{ pointer: '', message: 'must be a JSON object' }]);
    expect((await send('POST', '/clusters/sync', '{}')).status).toBe(200);
    expect((await send('POST', `/graphs/${GRAPH}/placement?mode=apply&maxMoves=0`)).status).toBe(200);
    // A read ignores what it does not read (a cache-busting parameter): nothing is done on its behalf.
    expect((await send('GET', `/graphs/${GRAPH}?_=1733600000`)).status).toBe(200);
    // So does the Alertmanager webhook, as it ignores unknown body fields: a refusal would lose the alerts.
    const webhook = { version: '4', groupKey: 'g', status: 'firing', receiver: 'smo', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [] };
    expect((await send('POST', '/alerts?receiver=smo', JSON.stringify(webhook))).status).toBe(200);
  });
});

describe('item 7: integrations reported as they are, failures logged with their reason (issue 15)', () => {
  type Integration = { name: string; mode: string; detail?: string };
  const hdarctlOf = async (smo: RunningApp) =>
    ((await (await fetch(`${smo.url}/health`)).json()) as { integrations: Integration[] }).integrations.find((i) => i.name === 'hdarctl');

  it('a missing hdarctl is absent in /health, and the 502 it causes is logged at warn with the reason', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const missing = join(tmpdir(), 'no-such-dir', 'hdarctl');
    const smo = await startApp({ SMO_HDARCTL_BINARY: missing }, { logger });
    try {
      expect(await hdarctlOf(smo)).toEqual({ name: 'hdarctl', mode: 'absent', detail: `${missing} does not exist` });
      const deploy = await fetch(`${smo.url}/project/demo/graphs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ artifact: 'oci://registry.example:5000/demo/brussels:1.0.0' }),
      });
      expect(deploy.status).toBe(502);
      const { detail } = (await deploy.json()) as { detail: string };
      expect(detail).toContain('ENOENT');
      const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; status?: number });
      const failure = logged.find((entry) => entry.status === 502 && entry.msg.includes('ENOENT'));
      expect(failure?.level).toBeGreaterThanOrEqual(40); // pino: 40 warn, 50 error
      expect(logged.find((entry) => entry.msg.includes('hdarctl absent'))?.level).toBe(40);
    } finally {
      await smo.close();
    }
  });

  it('an hdarctl that is there and executable is real; a bare name is looked up on PATH', async () => {
    const present = await startApp({ SMO_HDARCTL_BINARY: FAKE_HDARCTL });
    try {
      expect(await hdarctlOf(present)).toEqual({ name: 'hdarctl', mode: 'real', detail: FAKE_HDARCTL });
    } finally {
      await present.close();
    }
    const notOnPath = await startApp({ SMO_HDARCTL_BINARY: 'hdarctl-that-nobody-installed' });
    try {
      expect(await hdarctlOf(notOnPath)).toEqual({ name: 'hdarctl', mode: 'absent', detail: 'hdarctl-that-nobody-installed is not an executable file on PATH' });
    } finally {
      await notOnPath.close();
    }
  });
});
