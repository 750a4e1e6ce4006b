import { FakeGrafana, type RunningFakeGrafana } from '../../../test/fakes/grafana/fake-grafana';
import { listenOnLoopback } from '../../../test/fakes/loopback-server';
import { MAX_DASHBOARD_TAG_LENGTH, ownerTag } from './dashboard-owner';
import { dashboardUid, serviceDashboard } from './dashboards';
import { GrafanaHttpAdapter, SEARCH_PAGE_SIZE, type GrafanaHttpOptions } from './grafana-http.adapter';

const CANARY_PASSWORD = 'canary-pw-3f9a1c77';
const CANARY_TOKEN = 'glsa_canaryToken_8d2e4b';

describe('GrafanaHttpAdapter against the fake Grafana', () => {
  let grafana: RunningFakeGrafana;
  const adapter = (options: Partial<GrafanaHttpOptions> = {}) =>
    new GrafanaHttpAdapter({ baseUrl: grafana.url, username: 'smo', password: CANARY_PASSWORD, timeoutMs: 2000, ...options });
  const secretsIn = (text: string) =>
    [CANARY_PASSWORD, CANARY_TOKEN, Buffer.from(`smo:${CANARY_PASSWORD}`).toString('base64')].filter((secret) => text.includes(secret));

  beforeEach(async () => {
    grafana = await FakeGrafana.start({ username: 'smo', password: CANARY_PASSWORD, apiToken: CANARY_TOKEN });
  });
  afterEach(() => grafana.stop());

  describe('publishing', () => {
    it('posts a service dashboard with basic auth and answers GRAFANA_HOST + the path Grafana returned', async () => {
      const outcome = await adapter().publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: true, value: { uid: 'frontend', url: `${grafana.url}/d/frontend/frontend` } });
      expect(grafana.dashboards().get('frontend')?.dashboard).toEqual(serviceDashboard('frontend').dashboard);
      expect(grafana.requests()).toEqual([{ method: 'POST', path: '/api/dashboards/db', auth: 'basic', status: 200 }]);
    });

    it('publishes graph and cluster dashboards under their uids, with the configured datasource', async () => {
      const grafanaAdapter = adapter({ datasourceUid: 'smo-prom' });
      expect(await grafanaAdapter.publishGraphDashboard('image-detection', ['frontend', 'detector'])).toMatchObject({ ok: true, value: { uid: 'image-detection' } });
      expect(await grafanaAdapter.publishClusterDashboard('edge-1')).toMatchObject({ ok: true, value: { url: `${grafana.url}/d/cluster__edge-1/edge-1` } });
      expect([...grafana.dashboards().keys()]).toEqual(['image-detection', 'cluster__edge-1']);
      expect(JSON.stringify(grafana.dashboards().get('cluster__edge-1')?.dashboard)).not.toContain('"uid":"prometheus"');
    });

    it("answers the dashboard's address once under a sub-path: Grafana's url already holds its root_url's path", async () => {
      // Grafana with root_url http://host/grafana/ answers url /grafana/d/<uid>/<slug>; behind a proxy that strips the prefix, /d/<uid>/<slug>.
      for (const [answered, expected] of [['/grafana/d/frontend/frontend', '/grafana/d/frontend/frontend'], ['/d/frontend/frontend', '/grafana/d/frontend/frontend']]) {
        const subPath = await listenOnLoopback((request, response) => {
          request.resume();
          response.writeHead(request.url === '/grafana/api/dashboards/db' ? 200 : 404, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ id: 1, uid: 'frontend', url: answered, status: 'success', version: 1, slug: 'frontend' }));
        });
        try {
          const outcome = await adapter({ baseUrl: `${subPath.url}/grafana/` }).publishServiceDashboard('frontend');
          expect(outcome).toEqual({ ok: true, value: { uid: 'frontend', url: `${subPath.url}${expected}` } });
        } finally {
          await subPath.close();
        }
      }
    });

    it('overwrites on re-publish: same uid and url, next version', async () => {
      const first = await adapter().publishServiceDashboard('frontend');
      const second = await adapter().publishServiceDashboard('frontend');
      expect(second).toEqual(first);
      expect(grafana.dashboards().get('frontend')?.version).toBe(2);
    });

    it('publishes a graph whose id is over 40 characters (B28), which the upstream uid cannot', async () => {
      const graphId = 'image-detection-pipeline-with-a-very-long-name';
      const upstream = await fetch(`${grafana.url}/api/dashboards/db`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CANARY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dashboard: { id: null, uid: graphId, title: graphId }, overwrite: true }),
      });
      expect(upstream.status).toBe(400);

      const outcome = await adapter().publishGraphDashboard(graphId, ['frontend']);
      expect(outcome).toMatchObject({ ok: true, value: { uid: dashboardUid(graphId) } });
      expect(grafana.dashboards().get(dashboardUid(graphId))?.title).toBe(graphId);
    });

    it('sends a service-account token as Bearer instead of basic auth', async () => {
      const outcome = await adapter({ username: undefined, password: undefined, apiToken: CANARY_TOKEN }).publishServiceDashboard('frontend');
      expect(outcome.ok).toBe(true);
      expect(grafana.requests()[0]?.auth).toBe('bearer');
    });

    it('accepts a base URL with a trailing slash', async () => {
      expect(await adapter({ baseUrl: `${grafana.url}/` }).publishServiceDashboard('frontend')).toMatchObject({
        ok: true,
        value: { url: `${grafana.url}/d/frontend/frontend` },
      });
    });

    it('refuses a 200 without a dashboard url', async () => {
      grafana.failNext(200, 1, { status: 'success' });
      expect(await adapter().publishServiceDashboard('frontend')).toEqual({ ok: false, status: 200, error: expect.stringMatching(/without a dashboard url/) });
    });
  });

  describe('failures are values without secrets', () => {
    it('answers 401 for a wrong password, naming neither password nor credentials', async () => {
      await grafana.stop();
      grafana = await FakeGrafana.start({ username: 'smo', password: 'the-right-one' });
      const outcome = await adapter().publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: false, status: 401, error: 'Grafana answered 401: Invalid username or password' });
      expect(secretsIn(JSON.stringify(outcome))).toEqual([]);
    });

    it('answers 401 for a wrong token without naming it', async () => {
      const outcome = await adapter({ apiToken: `${CANARY_TOKEN}-revoked` }).publishClusterDashboard('edge-1');
      expect(outcome).toMatchObject({ ok: false, status: 401 });
      expect(JSON.stringify(outcome)).not.toContain(CANARY_TOKEN);
    });

    it('masks a secret that Grafana (or a proxy) echoes in its error', async () => {
      grafana.failNext(502, 1, { message: `upstream refused Basic ${Buffer.from(`smo:${CANARY_PASSWORD}`).toString('base64')} / ${CANARY_PASSWORD}` });
      const outcome = await adapter().publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: false, status: 502, error: 'Grafana answered 502: upstream refused Basic *** / ***' });
    });

    it('gives up after timeoutMs with status null', async () => {
      grafana.delayNext(1500);
      const started = Date.now();
      const outcome = await adapter({ timeoutMs: 150 }).publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: false, status: null, error: 'Grafana did not answer POST /api/dashboards/db within 150 ms', timedOut: true });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('refuses a redirect instead of following it', async () => {
      grafana.failNext(302);
      const outcome = await adapter().publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: false, status: 302, error: expect.stringMatching(/redirect \(302\).*not followed/) });
      expect(grafana.requests().map((request) => request.path)).toEqual(['/api/dashboards/db']);
    });

    it('answers status null when Grafana cannot be reached', async () => {
      const unreachable = adapter();
      await grafana.stop();
      const outcome = await unreachable.publishServiceDashboard('frontend');
      expect(outcome).toEqual({ ok: false, status: null, error: 'cannot reach Grafana (POST /api/dashboards/db): fetch failed: ECONNREFUSED' });
      grafana = await FakeGrafana.start();
    });
  });

  describe('deleting', () => {
    it('deletes a published dashboard, and deleting it again still succeeds', async () => {
      await adapter().publishServiceDashboard('frontend');
      expect(await adapter().deleteDashboard('frontend')).toEqual({ ok: true, value: undefined });
      expect(grafana.dashboards().has('frontend')).toBe(false);
      expect(await adapter().deleteDashboard('frontend')).toEqual({ ok: true, value: undefined });
      expect(grafana.requests().map(({ method, status }) => `${method} ${status}`)).toEqual(['POST 200', 'DELETE 200', 'DELETE 404']);
    });

    it('reports other errors', async () => {
      grafana.failNext(500);
      expect(await adapter().deleteDashboard('frontend')).toEqual({ ok: false, status: 500, error: 'Grafana answered 500: injected failure' });
    });

    it('escapes the uid in the path', async () => {
      await adapter().deleteDashboard('a/../b');
      expect(grafana.requests()[0]?.path).toBe('/api/dashboards/uid/a%2F..%2Fb');
    });

    it("deletes a dashboard only while it is its owner's (or carries no owner: published before SMO marked them)", async () => {
      const first = { project: 'shop', graphId: 'cart', submission: 1 };
      const other = { project: 'shop', graphId: 'checkout', submission: 1 };
      await adapter().publishServiceDashboard('frontend', 'shop', other);
      expect(grafana.dashboards().get('shop_frontend')?.dashboard.tags).toEqual([ownerTag(other)]);
      expect(await adapter().deleteOwnedDashboard('shop_frontend', first)).toEqual({ ok: true, value: 'not-owned' });
      expect(await adapter().deleteOwnedDashboard('shop_frontend', { ...other, submission: 2 })).toEqual({ ok: true, value: 'not-owned' });
      expect(grafana.dashboards().has('shop_frontend')).toBe(true);
      expect(await adapter().deleteOwnedDashboard('shop_frontend', other)).toEqual({ ok: true, value: 'deleted' });
      expect(grafana.dashboards().has('shop_frontend')).toBe(false);
      expect(await adapter().deleteOwnedDashboard('shop_frontend', other)).toEqual({ ok: true, value: 'deleted' });
      await adapter().publishServiceDashboard('frontend', 'shop');
      expect(await adapter().deleteOwnedDashboard('shop_frontend', first)).toEqual({ ok: true, value: 'deleted' });
      expect(grafana.dashboards().size).toBe(0);
      grafana.failNext(500);
      expect(await adapter().deleteOwnedDashboard('shop_frontend', first)).toEqual({ ok: false, status: 500, error: 'Grafana answered 500: injected failure' });
    });

    it("finds the dashboards that carry an owner's tag with one search (Grafana's /api/search?tag=), not another owner's nor untagged ones", async () => {
      const cart = { project: 'shop', graphId: 'cart', submission: 1 };
      await adapter().publishGraphDashboard('cart', ['frontend', 'db'], 'shop', cart);
      await adapter().publishServiceDashboard('frontend', 'shop', cart);
      await adapter().publishServiceDashboard('db', 'shop', cart);
      await adapter().publishServiceDashboard('db', 'lab', { project: 'lab', graphId: 'cart2', submission: 1 });
      await adapter().publishServiceDashboard('frontend', 'lab');
      const found = await adapter().ownedDashboards(cart);
      expect(found.ok && found.value.sort()).toEqual(['cart', 'shop_db', 'shop_frontend']);
      expect(await adapter().ownedDashboards({ ...cart, submission: 2 })).toEqual({ ok: true, value: [] });
      expect(grafana.requests().filter((r) => r.path === '/api/search')).toHaveLength(2);
      grafana.failNext(500);
      expect(await adapter().ownedDashboards(cart)).toEqual({ ok: false, status: 500, error: 'Grafana answered 500: injected failure' });
    });

    it('reads the search a page at a time, and counts only hits that carry the tag (a Grafana or proxy may ignore the filter)', async () => {
      const owner = { project: 'shop', graphId: 'cart', submission: 1 };
      const tag = ownerTag(owner);
      for (const ignoresPage of [false, true]) {
        const asked: string[] = [];
        const stub = await listenOnLoopback((request, response) => {
          request.resume();
          const url = new URL(request.url ?? '/', 'http://stub');
          asked.push(url.search);
          const page = ignoresPage ? 1 : Number(url.searchParams.get('page'));
          const size = page === 1 ? SEARCH_PAGE_SIZE : 2;
          const hits = Array.from({ length: size }, (_, i) => ({ uid: `p${page}-${i}`, type: 'dash-db', tags: i === 0 ? [] : [tag] }));
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(hits));
        });
        try {
          const found = await adapter({ baseUrl: stub.url }).ownedDashboards(owner);
          expect(found.ok && found.value.length).toBe(ignoresPage ? SEARCH_PAGE_SIZE - 1 : SEARCH_PAGE_SIZE - 1 + 1);
          expect(asked).toEqual([1, 2].map((page) => `?tag=${encodeURIComponent(tag)}&type=dash-db&limit=${SEARCH_PAGE_SIZE}&page=${page}`));
        } finally {
          await stub.close();
        }
      }
    });

    it('marks an owner in at most 50 characters, the length of a Grafana tag, and tells two long owners apart', () => {
      const long = { project: 'p'.repeat(63), graphId: 'g'.repeat(63), submission: 1 };
      expect(ownerTag(long).length).toBeLessThanOrEqual(MAX_DASHBOARD_TAG_LENGTH);
      expect(ownerTag(long)).not.toBe(ownerTag({ ...long, submission: 2 }));
      expect(ownerTag({ project: 'shop', graphId: 'cart', submission: 3 })).toBe('smo-owner:shop_cart_3');
    });
  });
});

describe("the fake Grafana's search, as Grafana documents /api/search", () => {
  it('filters on every tag given, sorts by title, pages with limit and page (from 1), and refuses a limit over 5000', async () => {
    const grafana = await FakeGrafana.start();
    try {
      const auth = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
      const post = (uid: string, title: string, tags: string[]) =>
        fetch(`${grafana.url}/api/dashboards/db`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: { uid, title, tags } }) });
      const search = async (query: string) => {
        const response = await fetch(`${grafana.url}/api/search?${query}`, { headers: auth });
        return { status: response.status, body: (await response.json()) as Array<{ uid: string }> };
      };
      for (const [uid, title, tags] of [['c', 'Charlie', ['a', 'b']], ['a', 'alpha', ['a']], ['b', 'Bravo', ['a', 'b']], ['d', 'delta', []]] as const) await post(uid, title, [...tags]);
      expect((await search('tag=a')).body.map((hit) => hit.uid)).toEqual(['a', 'b', 'c']);
      expect((await search('tag=a&tag=b')).body.map((hit) => hit.uid)).toEqual(['b', 'c']);
      expect((await search('tag=a&limit=2&page=2')).body.map((hit) => hit.uid)).toEqual(['c']);
      expect((await search('tag=a&type=dash-folder')).body).toEqual([]);
      expect((await search('query=DEL')).body).toEqual([expect.objectContaining({ uid: 'd', type: 'dash-db', url: '/d/d/delta', tags: [] })]);
      expect((await search('limit=5001')).status).toBe(422);
    } finally {
      await grafana.stop();
    }
  });
});

describe('GrafanaHttpAdapter configuration', () => {
  const make = (baseUrl: string, timeoutMs = 1000) => () => new GrafanaHttpAdapter({ baseUrl, timeoutMs });

  it.each(['ftp://grafana:21', 'file:///etc/passwd', 'grafana:3000', 'not a url'])('refuses the base URL %s', (baseUrl) => {
    expect(make(baseUrl)).toThrow(/Grafana base URL/);
  });

  it('refuses credentials in the base URL without echoing them', () => {
    expect(make(`http://admin:${CANARY_PASSWORD}@grafana:3000`)).toThrow(/must not carry credentials/);
    expect(make(`http://admin:${CANARY_PASSWORD}@grafana:3000`)).not.toThrow(new RegExp(CANARY_PASSWORD));
  });

  it('refuses a token with control characters (fetch would quote it in its error)', () => {
    const attempt = () => new GrafanaHttpAdapter({ baseUrl: 'http://grafana:3000', apiToken: `${CANARY_TOKEN}\r\nX-Injected: 1`, timeoutMs: 1000 });
    expect(attempt).toThrow('Grafana apiToken contains control characters');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses timeoutMs %p', (timeoutMs) => {
    expect(make('http://grafana:3000', timeoutMs)).toThrow(/timeoutMs/);
  });
});
