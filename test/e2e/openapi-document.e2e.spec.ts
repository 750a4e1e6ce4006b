/**
 * The OpenAPI document is honest about every answer (scripts/fuzz.sh checks the answers against
 * it with Schemathesis; this checks its shape), unsupported methods get 405 with Allow, and
 * credentials in a query string never come back in an error body.
 */
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
  security?: unknown;
  'x-changes-state'?: boolean;
}

const TOKEN = 'openapi-test-token-0123456789';

describe('OpenAPI document and HTTP semantics', () => {
  let smo: RunningApp;
  let spec: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, unknown> } };
  const call = (method: string, path: string, init: RequestInit = {}) =>
    fetch(`${smo.url}${path}`, { method, ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    smo = await startApp({ SMO_API_TOKENS: `${TOKEN}:operate`, SMO_ALERTS_TOKEN: 'alerts-token-0123456789', SMO_CLUSTER_SYNC_INTERVAL: '3600' });
    spec = (await (await fetch(`${smo.url}/smo-api-spec.json`)).json()) as typeof spec;
  });
  afterAll(async () => smo.close());

  const operations = () =>
    Object.entries(spec.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));

  it('GET / leads to the console (/ui); the document is served at /docs-json beside /docs-yaml (and /smo-api-spec.json)', async () => {
    const root = await fetch(`${smo.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui');
    expect((await fetch(`${smo.url}/docs`)).status).toBe(200);
    const json = await fetch(`${smo.url}/docs-json`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual(spec);
    expect((spec as unknown as { tags: Array<{ name: string; description: string }> }).tags.map((tag) => tag.name)).toEqual(['graphs', 'placement', 'audit', 'analytics', 'clusters', 'monitoring', 'nfvcl', 'operations']);
    const yaml = await fetch(`${smo.url}/docs-yaml`);
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toMatch(/^openapi: 3/);
  });

  it('documents every answer of every operation with its media type; every error is problem+json', () => {
    expect(operations().length).toBeGreaterThan(30);
    for (const { path, method, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      expect({ path, method, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ path, method, success: true });
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ path, method, status, content: Object.keys(response.content ?? {}).length > 0 }).toEqual({ path, method, status, content: true });
        if (Number(status) >= 400 && !(path === '/health' && status === '503')) {
          expect({ path, method, status, schema: response.content?.['application/problem+json']?.schema }).toEqual({
            path,
            method,
            status,
            schema: { $ref: '#/components/schemas/Problem' },
          });
        }
      }
      if (operation.requestBody) expect(statuses).toEqual(expect.arrayContaining(['400', '413', '415']));
      // A command route refuses a query parameter it does not read, and a body where it reads none (command-inputs.ts).
      else if (method !== 'get') expect({ path, method, statuses }).toEqual({ path, method, statuses: expect.arrayContaining(['400']) });
    }
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'GraphView', 'ClusterView', 'Health']));
  });

  it("uses OpenAPI 3.0's schema dialect throughout: exclusive bounds are flags, every integer parameter has its bounds", () => {
    const misfits: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${at}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        // Draft 6+ writes the bound in exclusiveMinimum; 3.0 reads it from minimum, with exclusiveMinimum: true (a schema tool refuses the rest).
        if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value !== 'boolean') misfits.push(`${at}/${key}`);
        if (key === 'const' || key === '$schema') misfits.push(`${at}/${key}`);
        walk(value, `${at}/${key}`);
      }
    };
    walk(spec, '');
    expect(misfits).toEqual([]);
    // A generator sends any integer a schema allows: one the route refuses as too large must have its maximum.
    const unbounded = operations().flatMap(({ path, method, operation }) =>
      ((operation as { parameters?: Array<{ name: string; in: string; schema?: { type?: string; maximum?: number } }> }).parameters ?? [])
        .filter((parameter) => parameter.in === 'query' && parameter.schema?.type === 'integer' && parameter.schema.maximum === undefined)
        .map((parameter) => `${method.toUpperCase()} ${path} ?${parameter.name}`),
    );
    expect(unbounded).toEqual([]);
  });

  it('declares bearer auth where AuthGuard asks for it (not on /health or the Alertmanager webhook)', () => {
    expect(spec.components.securitySchemes).toHaveProperty('bearer');
    expect(spec.paths['/project/{project}/graphs']!.get!.security).toEqual([{ bearer: [] }]);
    expect(spec.paths['/project/{project}/graphs']!.get!.responses).toHaveProperty('401');
    expect(spec.paths['/health']!.get!.security).toBeUndefined();
    expect(spec.paths['/alerts']!.post!.security).toBeUndefined();
  });

  it("marks upstream's GET commands as changing state, with a read token's 403; plain reads have no 403", () => {
    const changing = Object.entries(spec.paths).flatMap(([path, item]) => (item.get?.['x-changes-state'] === true ? [path] : []));
    expect(changing.sort()).toEqual(['/graphs/{name}/placement', '/graphs/{name}/start', '/graphs/{name}/stop', '/vims/sync/nfvcl_vims']);
    for (const path of changing) expect(spec.paths[path]!.get!.responses).toHaveProperty('403');
    expect(spec.paths['/graphs/{name}']!.get!.responses).not.toHaveProperty('403');
  });

  it('answers a method a path does not serve with 405 and Allow (QUERY included), an unknown path with 404', async () => {
    const put = await call('PUT', '/clusters');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    expect(put.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await put.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    const query = await call('QUERY', '/graphs/some-graph');
    expect(query.status).toBe(405);
    expect(query.headers.get('allow')).toBe('DELETE, GET, HEAD');
    // A GET that changes state has no HEAD (HEAD must not run a command).
    expect((await call('DELETE', '/graphs/some-graph/stop')).headers.get('allow')).toBe('GET, POST');
    expect((await call('GET', '/no/such/path')).status).toBe(404);
  });

  it('refuses a project that cannot be a namespace with 400, on reads too', async () => {
    const response = await call('GET', '/project/Not_A_Namespace/graphs');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ pointer: '/project' }] });
    expect((await call('GET', '/project/demo/graphs')).status).toBe(200);
  });

  it("refuses to deploy into the control plane's namespaces (kube-*, karmada-*), naming the project, and records nothing", async () => {
    for (const project of ['kube-system', 'karmada-system', 'karmada-es-member1']) {
      const response = await call('POST', `/project/${project}/graphs`, { headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect([response.status, response.headers.get('content-type')]).toEqual([400, expect.stringContaining('application/problem+json')]);
      expect(await response.json()).toMatchObject({ errors: [{ pointer: '/project', message: expect.stringContaining('kube- or karmada-') }] });
    }
    expect(await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['GraphSubmitted'] } })).toEqual([]);
    expect((await call('GET', '/project/kube-system/graphs')).status).toBe(200);
  });

  it('never echoes a query-string credential in an error body', async () => {
    const response = await fetch(`${smo.url}/alerts?token=alerts-token-0123456789`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).not.toContain('alerts-token-0123456789');
    expect(JSON.parse(body)).toMatchObject({ instance: '/alerts?token=[redacted]' });
  });
});
