import type { FastifyReply } from 'fastify';
import { answerAllGraphs, MAX_GRAPH_PAGE_BYTES } from '../../src/api/graphs/graph-read';
import { listCursor, MAX_GRAPHS_PER_LIST } from '../../src/api/graphs/graph-params';
import { independentServicesDescriptor } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const CHART = 'oci://registry.example/charts/app';
const GRAPHS = ['list-a', 'list-b', 'list-c'];

/** GET /project/{p}/graphs and GET /graphs: bounded by `limit`, cut answers say so. */
describe('the graph lists', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig();
    for (const graphId of GRAPHS) {
      // Release names are unique per project: each graph's services get ids of their own.
      const descriptor = independentServicesDescriptor(graphId, 1, [CHART]).replaceAll('svc-', `${graphId}-svc-`);
      expect((await rig.request('POST', '/project/lists/graphs', { body: descriptor, contentType: 'application/x-yaml' })).status).toBe(200);
    }
    const other = independentServicesDescriptor('elsewhere', 1, [CHART]);
    expect((await rig.request('POST', '/project/other/graphs', { body: other, contentType: 'application/x-yaml' })).status).toBe(200);
    await rig.idle();
  });
  afterAll(async () => rig.stop());

  const names = async (response: Response) => ((await response.json()) as Array<{ name: string }>).map((graph) => graph.name);

  it("lists a project's graphs by name, at most `limit`, with X-Truncated when there were more", async () => {
    const whole = await rig.request('GET', '/project/lists/graphs');
    expect(whole.status).toBe(200);
    expect(await names(whole)).toEqual(GRAPHS);
    expect(whole.headers.get('x-truncated')).toBeNull();

    const cut = await rig.request('GET', '/project/lists/graphs?limit=2');
    expect(await names(cut)).toEqual(['list-a', 'list-b']);
    expect(cut.headers.get('x-truncated')).toBe('true');

    const exact = await rig.request('GET', '/project/lists/graphs?limit=3');
    expect(await names(exact)).toEqual(GRAPHS);
    expect(exact.headers.get('x-truncated')).toBeNull();

    // The cached list and the cut one are rendered apart: asking again answers the same.
    expect(await names(await rig.request('GET', '/project/lists/graphs?limit=2'))).toEqual(['list-a', 'list-b']);
    expect(await names(await rig.request('GET', '/project/lists/graphs'))).toEqual(GRAPHS);
  });

  it('lists every project’s graphs by project then name, at most `limit`', async () => {
    const cut = await rig.request('GET', '/graphs?limit=3');
    expect(await names(cut)).toEqual(GRAPHS);
    expect(cut.headers.get('x-truncated')).toBe('true');
    const whole = await rig.request('GET', '/graphs');
    expect(await names(whole)).toEqual([...GRAPHS, 'elsewhere']);
    expect(whole.headers.get('x-truncated')).toBeNull();
  });

  /** Every page of a list, following its `Link: rel="next"` as a client would. */
  async function allPages<T = { name: string }>(first: string, key: (item: T) => string = (item) => (item as { name: string }).name): Promise<{ pages: string[][]; links: Array<string | null> }> {
    const pages: string[][] = [];
    const links: Array<string | null> = [];
    let next: string | null = first;
    while (next) {
      const response = await rig.request('GET', next);
      expect(response.status).toBe(200);
      pages.push(((await response.json()) as T[]).map(key));
      const link = response.headers.get('link');
      links.push(link);
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
      expect(response.headers.get('x-truncated')).toBe(next ? 'true' : null);
    }
    return { pages, links };
  }

  it('pages past `limit` with Link rel="next" (?after=), in both lists, each graph once', async () => {
    const project = await allPages('/project/lists/graphs?limit=2');
    expect(project).toEqual({ pages: [['list-a', 'list-b'], ['list-c']], links: ['</project/lists/graphs?limit=2&after=list-b>; rel="next"', null] });
    const every = await allPages('/graphs?limit=1');
    expect(every.pages).toEqual([['list-a'], ['list-b'], ['list-c'], ['elsewhere']]);
    expect(every.links[2]).toBe('</graphs?limit=1&after=lists%2Flist-c>; rel="next"');
    // A page may start after a graph removed since: the next one starts where it would have been.
    expect(await names(await rig.request('GET', '/project/lists/graphs?after=list-aa'))).toEqual(['list-b', 'list-c']);
    expect(await names(await rig.request('GET', '/graphs?after=lists%2Flist-zz'))).toEqual(['elsewhere']);
  });

  it('GET /graphs ends a page at its byte budget (one graph at least), and the pages hold every graph view once, in order', async () => {
    const { readStore } = rig.smo.runtime;
    /** One page as answerAllGraphs writes it, with the Link it announces. */
    const page = async (maxBytes: number, after?: string) => {
      const headers: Record<string, string> = {};
      const reply = { header: (name: string, value: string) => ((headers[name] = value), reply), type: () => reply } as unknown as FastifyReply;
      const body = await answerAllGraphs(readStore, MAX_GRAPHS_PER_LIST, reply, listCursor(after, 'all'), maxBytes);
      const next = headers['link'] ? decodeURIComponent(/after=([^>]+)>/.exec(headers['link'])![1]!) : undefined;
      return { views: JSON.parse(body.toString()) as Array<{ name: string }>, next };
    };
    const single = JSON.stringify(await (await rig.request('GET', '/graphs/list-a')).json()).length;
    for (const maxBytes of [1, single + 1, 2 * single + 2]) {
      const views: Array<{ name: string }> = [];
      const sizes: number[] = [];
      let after: string | undefined;
      do {
        const answer = await page(maxBytes, after);
        views.push(...answer.views);
        sizes.push(answer.views.length);
        after = answer.next;
      } while (after !== undefined);
      expect(views.map((view) => view.name)).toEqual([...GRAPHS, 'elsewhere']);
      expect(Math.max(...sizes)).toBe(maxBytes < 2 * single + 2 ? 1 : 2);
      for (const view of views) expect(view).toEqual(await (await rig.request('GET', `/graphs/${view.name}`)).json());
    }
    expect((await page(MAX_GRAPH_PAGE_BYTES)).views.map((view) => view.name)).toEqual([...GRAPHS, 'elsewhere']);
  });

  it.each([
    ['/project/lists/graphs?after=', 'a graph name'],
    ['/project/lists/graphs?after=lists%2Flist-a', 'a graph name'],
    ['/graphs?after=list-a', '<project>/<graph name>'],
    ['/graphs?after=a%2Fb%2Fc', '<project>/<graph name>'],
    [`/graphs?after=p%2F${'x'.repeat(300)}`, '<project>/<graph name>'],
  ])('GET %s: 400 naming after', async (path, shape) => {
    const response = await rig.request('GET', path);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([{ pointer: '/after', message: expect.stringContaining(`must be ${shape}`) }]);
  });

  it('lists scaled services by graph, at most `limit`, with X-Truncated when there were more', async () => {
    // Three services' scaling documents, as the analytics projection keeps them.
    const scaled = GRAPHS.map((graphId, i) => ({ graphId, serviceId: `${graphId}-svc-01`, actions: i + 1, ups: i + 1, downs: 0, replicas: 2, lastAt: '2026-12-05T00:00:00.000Z', recent: [] }));
    await rig.smo.runtime.readStore.commit(scaled.map((doc, i) => ({ kind: 'upsert' as const, collection: 'analytics-scaling-actions', id: `${doc.graphId}/${doc.serviceId}`, doc, position: 1_000_000 + i })));
    const cut = await rig.request('GET', '/analytics/scaling?limit=2');
    expect([cut.headers.get('x-truncated'), await cut.json()]).toEqual(['true', scaled.slice(0, 2)]);
    const whole = await rig.request('GET', '/analytics/scaling?limit=3');
    expect([whole.headers.get('x-truncated'), await whole.json()]).toEqual([null, scaled]);
    // Graph "a" sorts before "a-b" by graph, though not by id ("a-b/…" < "a/…"): pages keep the graph order.
    const crossing = [{ ...scaled[0]!, graphId: 'a', serviceId: 's' }, { ...scaled[0]!, graphId: 'a-b', serviceId: 's' }];
    await rig.smo.runtime.readStore.commit(crossing.map((doc, i) => ({ kind: 'upsert' as const, collection: 'analytics-scaling-actions', id: `${doc.graphId}/${doc.serviceId}`, doc, position: 2_000_000 + i })));
    const pages = await allPages('/analytics/scaling?limit=2', (doc: { graphId: string; serviceId: string }) => `${doc.graphId}/${doc.serviceId}`);
    expect(pages.pages).toEqual([['a/s', 'a-b/s'], ['list-a/list-a-svc-01', 'list-b/list-b-svc-01'], ['list-c/list-c-svc-01']]);
    expect(pages.links[0]).toBe('</analytics/scaling?limit=2&after=a-b%2Fs>; rel="next"');
    expect((await rig.request('GET', '/analytics/scaling?after=a')).status).toBe(400);
  });

  it('pages the deployment failures and the alerts past an item whose id is longer than 255 characters (a chart reference may have 512)', async () => {
    // A chart reference the descriptor accepts (at most 512 characters), and an alert name as Alertmanager sends it.
    const longChart = `oci://registry.example/${'team/'.repeat(60)}app`;
    const charts = [longChart, 'oci://registry.example/z'];
    const failure = (chart: string) => ({ chart, failures: 1, timeouts: 0, services: ['g/s'], lastAt: '2026-12-05T00:00:00.000Z', lastError: 'Error' });
    await rig.smo.runtime.readStore.commit(charts.map((chart, i) => ({ kind: 'upsert' as const, collection: 'analytics-deployment-failures', id: chart, doc: failure(chart), position: 3_000_000 + i })));
    expect((await allPages('/analytics/deployment-failures?limit=1', (doc: { chart: string }) => doc.chart)).pages).toEqual([[longChart], ['oci://registry.example/z']]);

    const longAlert = `${'HighLatency'.repeat(30)}`;
    const alert = (alertName: string) => ({ alertName, firing: 1, resolved: 0, lastAt: '2026-12-05T00:00:00.000Z' });
    await rig.smo.runtime.readStore.commit([longAlert, 'zz'].map((name, i) => ({ kind: 'upsert' as const, collection: 'analytics-alerts-by-rule', id: name, doc: alert(name), position: 4_000_000 + i })));
    const alerts = (await allPages('/analytics/alerts?limit=1', (doc: { alertName: string }) => doc.alertName)).pages.flat();
    expect(alerts.indexOf('zz')).toBe(alerts.indexOf(longAlert) + 1);
  });

  it.each(['0', '1001', '-1', '1.5', 'ten', ''])('refuses limit=%s on both lists with a 400 problem naming limit', async (limit) => {
    for (const path of ['/project/lists/graphs', '/graphs']) {
      const response = await rig.request('GET', `${path}?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ detail: 'limit must be a whole number from 1 to 1000', errors: [{ pointer: '/limit', message: 'must be a whole number from 1 to 1000' }] });
    }
  });
});
