import { ConfigError, loadConfig } from '../../src/config/config';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';

const READ = 'read-token-0123456789abcdef';
const OPERATE = 'operate-token-0123456789abcdef';

describe('authentication and authorisation', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp({ SMO_API_TOKENS: `${READ}:read,${OPERATE}:operate`, SMO_DEPLOY_WAIT: '10' })));
  afterAll(async () => smo.close());

  const call = (method: string, path: string, token?: string, body?: string) =>
    fetch(`${smo.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/yaml' } : {}) },
      ...(body ? { body } : {}),
    });

  it('refuses requests without a valid token with 401 problem+json', async () => {
    for (const token of [undefined, 'not-a-token-but-long-enough', `${READ}x`]) {
      const response = await call('GET', '/project/demo/graphs', token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('lets a read token read, and answers 403 on an operate route', async () => {
    expect((await call('GET', '/project/demo/graphs', READ)).status).toBe(200);
    const refused = await call('POST', '/project/demo/graphs', READ, descriptorText());
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ status: 403 });
    expect((await call('POST', '/graphs/x/stop', READ)).status).toBe(403);
  });

  it('lets an operate token do everything', async () => {
    expect((await call('POST', '/project/demo/graphs', OPERATE, descriptorText())).status).toBe(200);
    expect((await call('GET', '/graphs/image-detection-graph', OPERATE)).status).toBe(200);
  });

  it("refuses a read token upstream's GET commands, and HEAD never runs one", async () => {
    const graph = '/graphs/image-detection-graph';
    const head = async () => Number((await call('GET', graph, OPERATE)).headers.get('x-event-position'));
    if (!(await call('GET', graph, OPERATE)).ok) expect((await call('POST', '/project/demo/graphs', OPERATE, descriptorText())).status).toBe(200);
    const before = await head();
    for (const command of ['stop', 'start', 'placement']) {
      const refused = await call('GET', `${graph}/${command}`, READ);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      for (const token of [READ, OPERATE]) {
        const probed = await call('HEAD', `${graph}/${command}`, token);
        expect(probed.status).toBe(405);
        expect(probed.headers.get('allow')).toBe('GET, POST');
      }
    }
    expect((await call('GET', '/vims/sync/nfvcl_vims', READ)).status).toBe(403);
    expect((await call('HEAD', '/vims/sync/nfvcl_vims', OPERATE)).status).toBe(405);
    // Nothing was recorded; HEAD on a read route still answers as GET does.
    expect(await head()).toBe(before);
    expect((await call('HEAD', graph, READ)).status).toBe(200);
    expect((await call('GET', `${graph}/history`, READ)).status).toBe(200);
  });

  it('keeps /health and /metrics open unless configured otherwise, and the webhook on its own token', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
    const protectedOps = await startApp({ SMO_API_TOKENS: `${READ}:read`, SMO_PROTECT_OPERATIONS: 'true' });
    try {
      expect((await fetch(`${protectedOps.url}/health`)).status).toBe(401);
      expect((await fetch(`${protectedOps.url}/health`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
    } finally {
      await protectedOps.close();
    }
  });

  it('guards the webhook like a command when no SMO_ALERTS_TOKEN is set: an open one would let anyone deploy a Pending service', async () => {
    const alert = JSON.stringify({
      receiver: 'smo', status: 'firing', version: '4', groupKey: '{}', truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
      alerts: [{ status: 'firing', labels: { alertname: 'a', service: 'nobody' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f' }],
    });
    const post = (token?: string) =>
      fetch(`${smo.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: alert });
    const recorded = async () => (await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['AlertFired'] } })).length;
    const before = await recorded();
    const refused = await post();
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="smo"']);
    expect((await post(READ)).status).toBe(403);
    expect(await recorded()).toBe(before);
    expect((await post(OPERATE)).status).toBe(200);
    expect(await recorded()).toBe(before + 1);
    const document = (await (await fetch(`${smo.url}/smo-api-spec.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };
    expect(Object.keys(document.paths['/alerts']!.post.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
  });

  it('sets security headers', async () => {
    const response = await call('GET', '/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('keeps tokens out of the configuration it holds and out of error messages', () => {
    const config = loadConfig({ SMO_API_TOKENS: `${READ}:read` });
    expect(JSON.stringify(config)).not.toContain(READ);
    expect(() => loadConfig({ SMO_API_TOKENS: `${READ}:admin` })).toThrow(ConfigError);
    try {
      loadConfig({ SMO_API_TOKENS: `${READ}:admin` });
    } catch (error) {
      expect(String(error)).not.toContain(READ);
    }
    expect(() => loadConfig({ SMO_API_TOKENS: 'short:read' })).toThrow(/at least 16/);
  });

  it('binds to loopback without tokens, unless SMO_BIND says otherwise', () => {
    expect(loadConfig({}).bind).toBe('127.0.0.1');
    expect(loadConfig({ SMO_API_TOKENS: `${READ}:read` }).bind).toBe('0.0.0.0');
    expect(loadConfig({ SMO_BIND: '0.0.0.0' }).bind).toBe('0.0.0.0');
  });
});

describe('limits', () => {
  it('rate-limits each caller with 429 and Retry-After', async () => {
    const smo = await startApp({ SMO_RATE_LIMIT: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`${smo.url}/project/demo/graphs`)).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses).toContain(429);
      const limited = await fetch(`${smo.url}/project/demo/graphs`);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await smo.close();
    }
  });

  it('refuses a chart from outside SMO_ALLOWED_REGISTRIES, naming the field', async () => {
    const smo = await startApp({ SMO_ALLOWED_REGISTRIES: 'registry.example.org' });
    try {
      const response = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ pointer: string; message: string }> };
      expect(problem.errors[0]).toMatchObject({ pointer: '/hdaGraph/services/0/artifact/ociImage', message: expect.stringContaining('10.0.3.53:5000') });
      expect(await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['GraphSubmitted'] } })).toEqual([]);
    } finally {
      await smo.close();
    }
  });

  it('refuses a plan larger than SMO_MAX_SOLVE_CELLS', async () => {
    const smo = await startApp({ SMO_MAX_SOLVE_CELLS: '4' });
    try {
      const clusters = [1, 2, 3].map((i) => ({ name: `c${i}`, cpu: 4 }));
      const services = [1, 2].map((i) => ({ id: `s${i}`, cpu: 1 }));
      const response = await fetch(`${smo.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clusters, services }) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ detail: expect.stringContaining('SMO_MAX_SOLVE_CELLS') });
    } finally {
      await smo.close();
    }
  });
});
