import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';
import type { GraphSummary } from '../../src/ui/console-data.controller';
import { DurableProcessing } from '../../src/app/processing.composition';
import { independentServicesDescriptor } from '../support/graph-fixtures';
import { PLACEMENT_OUTCOME_TYPES } from '../../projections/placement-decisions.projection';
import { GRAPH_SUMMARIES_SINCE, graphSummaries, graphsProjection } from '../../projections/graphs.projection';
import { PROJECTION_VERSIONS } from '../../src/processing/projection-runner';

/** The console's HTTP side without a browser (the browser suite is test/ui/console.ui.spec.ts). */
const DESCRIPTOR = readFileSync(join(__dirname, '../fixtures/descriptors/brussels-demo.upstream.hdag.yaml'), 'utf8');
const OPERATE = 'console-e2e-operate-token-0123';
const READ = 'console-e2e-read-token-012345';

describe('web console routes', () => {
  let app: RunningApp;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: 'manual' });
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    app = await startApp({ SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read` });
    await app.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
    const deployed = await fetch(`${app.url}/project/demo/graphs`, { method: 'POST', headers: { ...auth(OPERATE), 'content-type': 'application/yaml' }, body: DESCRIPTOR });
    expect(deployed.status).toBe(200);
    await app.runtime.processing.whenIdle();
  });
  afterAll(async () => app.close());

  it('GET / leads to /ui; the shells are public, data-free and under a CSP without inline code', async () => {
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui');
    for (const path of ['/ui', '/ui/events', '/ui/what-if', '/ui/graphs/image-detection-graph']) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-(inline|eval)/);
      const html = await page.text();
      expect(html).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/);
      expect(html).not.toContain('noise-reduction');
    }
    // The API keeps its own, stricter policy.
    expect((await get('/health')).headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('serves the two assets with an ETag (304 when unchanged) and 404 for anything else', async () => {
    const script = await get('/ui/assets/console.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const etag = script.headers.get('etag')!;
    expect((await get('/ui/assets/console.js', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/ui/assets/console.css')).headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await get('/ui/assets/..%2F..%2Fconsole-routes.ts');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('a deep link that is not a graph id is a 400 problem naming the field, never echoed into a page', async () => {
    const bad = await get('/ui/graphs/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    const problem = (await bad.json()) as { errors: Array<{ pointer: string }>; detail: string };
    expect(problem.errors[0]!.pointer).toBe('/name');
    expect(problem.detail).not.toContain('<script>');
  });

  it('the data routes need a token like the API; the session says the role', async () => {
    expect((await get('/ui/data/graphs')).status).toBe(401);
    expect((await get('/ui/data/session')).status).toBe(401);
    expect(await (await get('/ui/data/session', auth(READ))).json()).toEqual({ role: 'read', tokensRequired: true });
    expect(await (await get('/ui/data/session', auth(OPERATE))).json()).toEqual({ role: 'operate', tokensRequired: true });
  });

  it('lists graph summaries (no descriptor or values), per project or all; a bad project is a 400 naming it', async () => {
    const all = (await (await get('/ui/data/graphs', auth(READ))).json()) as { graphs: GraphSummary[]; truncated: boolean };
    expect(all.truncated).toBe(false);
    expect(all.graphs).toEqual([
      {
        name: 'image-detection-graph',
        project: 'demo',
        status: 'Running',
        settled: true,
        servicesByStatus: { Pending: 1, Deployed: 2 },
        clusters: ['cluster-a'],
        lastDecision: { decisionId: expect.any(String), reason: 'first-deploy', algorithm: 'naive' },
        placementFailure: null,
        pendingProposals: 0,
        updatedAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(all)).not.toContain('values');
    expect(((await (await get('/ui/data/graphs?project=demo', auth(READ))).json()) as { graphs: unknown[] }).graphs).toHaveLength(1);
    expect(((await (await get('/ui/data/graphs?project=other', auth(READ))).json()) as { graphs: unknown[] }).graphs).toEqual([]);
    const bad = await get('/ui/data/graphs?project=Not_A_Project', auth(READ));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ pointer: string }> }).errors[0]!.pointer).toBe('/project');
  });

  it("reads the rows from the graph summaries, never a graph's whole document (a row costs the same however many services the graph has)", async () => {
    const find = jest.spyOn(app.runtime.readStore, 'find');
    try {
      for (const query of ['', '?project=demo', '?limit=1&after=demo%2Fa']) expect((await get(`/ui/data/graphs${query}`, auth(READ))).status).toBe(200);
      expect(find.mock.calls.map(([collection]) => collection)).toEqual([graphSummaries.collection, graphSummaries.collection, graphSummaries.collection]);
    } finally {
      find.mockRestore();
    }
  });

  it('while an upgrade builds the summaries (graphs recorded as built by an older version), lists the same rows from the graph documents', async () => {
    const { readStore } = app.runtime;
    const rows = async () => {
      const response = await get('/ui/data/graphs', auth(READ));
      expect(response.status).toBe(200);
      return (await response.json()) as { graphs: GraphSummary[] };
    };
    const fromSummaries = await rows();
    expect(fromSummaries.graphs.length).toBeGreaterThan(0);
    const recordVersion = async (version: number) => {
      const stored = await readStore.get<{ version: number }>(PROJECTION_VERSIONS, graphsProjection.name);
      await readStore.commit([{ kind: 'upsert', collection: PROJECTION_VERSIONS, id: graphsProjection.name, doc: { version }, position: (stored?.position ?? 0) + 1 }]);
    };
    await recordVersion(GRAPH_SUMMARIES_SINCE - 1);
    const find = jest.spyOn(readStore, 'find');
    try {
      expect(await rows()).toEqual(fromSummaries);
      expect(find.mock.calls.map(([collection]) => collection)).toEqual([graphsProjection.collection]);
    } finally {
      find.mockRestore();
      await recordVersion(graphsProjection.version!);
    }
  });

  it('pages the graph list as the API lists do (every project, or one), so no graph is out of reach however many there are', async () => {
    for (const [project, graph] of [['other', 'aa-first'], ['demo', 'zz-last']] as const) {
      const body = independentServicesDescriptor(graph, 1, ['oci://registry.example/charts/app']);
      expect((await fetch(`${app.url}/project/${project}/graphs`, { method: 'POST', headers: { ...auth(OPERATE), 'content-type': 'application/yaml' }, body })).status).toBe(200);
    }
    await app.runtime.processing.whenIdle();
    type Page = { graphs: GraphSummary[]; truncated: boolean; next: string | null };
    const page = async (query: string) => {
      const response = await get(`/ui/data/graphs?${query}`, auth(READ));
      expect(response.status).toBe(200);
      const { graphs, truncated, next } = (await response.json()) as Page;
      return { names: graphs.map((g) => g.name), truncated, next };
    };
    // Every project's graphs by project, then name (as GET /graphs); one project's by name; the cursors as their Link rel="next" gives them.
    expect(await page('')).toEqual({ names: ['image-detection-graph', 'zz-last', 'aa-first'], truncated: false, next: null });
    expect(await page('limit=1')).toEqual({ names: ['image-detection-graph'], truncated: true, next: 'demo/image-detection-graph' });
    expect(await page('limit=1&after=demo%2Fimage-detection-graph')).toEqual({ names: ['zz-last'], truncated: true, next: 'demo/zz-last' });
    expect(await page('limit=1&after=demo%2Fzz-last')).toEqual({ names: ['aa-first'], truncated: false, next: null });
    expect(await page('project=demo&limit=1')).toEqual({ names: ['image-detection-graph'], truncated: true, next: 'image-detection-graph' });
    expect(await page('project=demo&limit=1&after=image-detection-graph')).toEqual({ names: ['zz-last'], truncated: false, next: null });
    for (const [query, pointer] of [['after=no-project-part', '/after'], ['project=demo&after=demo%2Fzz-last', '/after'], ['limit=0', 'limit'], ['limit=1001', 'limit']] as const) {
      const bad = await get(`/ui/data/graphs?${query}`, auth(READ));
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
      expect(JSON.stringify(await bad.json())).toContain(pointer);
    }
  });

  it("the script's placement events are those the placement decisions are read from", async () => {
    const script = await (await get('/ui/assets/console.js')).text();
    expect(script).toContain(`const DECISION_EVENTS = ${JSON.stringify(PLACEMENT_OUTCOME_TYPES).replaceAll('"', "'").replaceAll(',', ', ')};`);
  });

  it('the console is not part of the public API document', async () => {
    const spec = (await (await get('/docs-json', auth(READ))).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((path) => path.startsWith('/ui'))).toEqual([]);
  });
});
