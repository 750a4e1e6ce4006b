import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { karmadaCluster, submarinerGateway } from '../fakes/kubernetes/fake-kube-api';
import { FakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { FakePrometheus, vectorReply } from '../fakes/prometheus/fake-prometheus';
import { vimBody } from '../support/nfvcl-rig';
import { startApp } from '../support/app';
import { DESCRIPTORS, descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { GRAFANA_PASSWORD, startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

/**
 * The console in a real Chromium (Debian's, driven by playwright-core): SMO in-process with the
 * orchestrator rig (fake Karmada API server and helm only at the process boundary), API tokens on.
 */
const CHROMIUM = process.env.SMO_CHROMIUM ?? '/usr/bin/chromium';
const GRAPH = 'image-detection-graph';
const OPERATE = 'console-operate-token-0123456789';
const READ = 'console-read-token-0123456789ab';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'ui');
const AXE = require.resolve('axe-core/axe.min.js');

if (!existsSync(CHROMIUM)) {
  describe('web console in a real browser', () => {
    it(`is skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`, () => {
      console.log(`Console browser suite skipped: ${CHROMIUM} not found`);
      if (process.env.CI === 'true') throw new Error(`CI must run the console browser suite: ${CHROMIUM} not found`);
    });
  });
} else {
  describe('web console in a real browser', () => {
    let rig: OrchestratorRig;
    let browser: Browser;
    let operator: BrowserContext;
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    const api = (method: string, path: string, token = OPERATE, options: { body?: string; contentType?: string } = {}) =>
      rig.request(method, path, { ...options, headers: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      rig = await startRig({ env: { SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read` } });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      operator = await signedIn(OPERATE);
      expect((await api('POST', '/project/demo/graphs', OPERATE, { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
      await rig.idle();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await rig?.stop();
    });

    /**
     * A browser context signed in with `token`: typed into the page's token field as a user would;
     * the tabs opened later start with it in their session storage, as a tab opened from that one does.
     */
    async function signedIn(token: string, base?: string): Promise<BrowserContext> {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await open(context, '/ui', base);
      expect(await page.isVisible('#auth-message')).toBe(true);
      expect(await page.textContent('#auth-message')).toContain('API token');
      await page.fill('#token', token);
      await Promise.all([page.waitForEvent('load'), page.click('#token-form button[type=submit]')]);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.evaluate(() => sessionStorage.getItem('smo.token'))).toBe(token);
      expect(await page.isHidden('#auth-message')).toBe(true);
      await page.close();
      await context.addInitScript((value) => sessionStorage.setItem('smo.token', value), token);
      return context;
    }

    async function open(context: BrowserContext, path: string, base = rig.smo.url): Promise<Page> {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
      await page.goto(`${base}${path}`);
      await page.waitForSelector('body[data-ready="true"]');
      return page;
    }

    async function screenshot(page: Page, name: string): Promise<void> {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(`console screenshot: ${path}`);
    }

    /** axe-core in the page (evaluated through the DevTools protocol, so the page's CSP stays strict). */
    async function seriousViolations(page: Page): Promise<string[]> {
      await page.evaluate(readFileSync(AXE, 'utf8'));
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
      });
      return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
    }

    async function confirm(page: Page, button: string): Promise<void> {
      await page.click(button);
      await page.click('#confirm-dialog #confirm-ok');
    }

    const placementOf = async () => ((await (await api('GET', `/graphs/${GRAPH}`)).json()) as { placement: Record<string, string> }).placement;

    it('GET / leads to the console; pages are served with a strict CSP and no data', async () => {
      const root = await fetch(`${rig.smo.url}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/ui');
      const shell = await fetch(`${rig.smo.url}/ui/graphs/${GRAPH}`);
      expect(shell.status).toBe(200);
      expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(shell.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      const html = await shell.text();
      expect(html).not.toMatch(/<script>|style=/);
      expect(html).not.toContain('noise-reduction');
      // The data behind the page needs the token like every API route.
      expect((await fetch(`${rig.smo.url}/ui/data/graphs`)).status).toBe(401);
      const bad = await fetch(`${rig.smo.url}/ui/graphs/Not_A_Graph`);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    });

    it('lists the graph with its status, services by status and last decision; the filter narrows it', async () => {
      const page = await open(operator, '/ui');
      const row = page.locator(`tr[data-graph="${GRAPH}"]`);
      await row.waitFor();
      const cells = (await row.locator('th, td').allInnerTexts()).map((cell) => cell.trim());
      expect(cells).toEqual([GRAPH, 'demo', 'Running', expect.stringMatching(/Deployed 2/), 'first-deploy · naive', '0']);
      expect(cells[3]).toContain('Pending 1');
      await page.fill('#graph-search', 'no-such-graph');
      await page.waitForSelector(`tr[data-graph="${GRAPH}"]`, { state: 'detached' });
      expect(await page.textContent('#graphs-summary')).toBe('0 of 1 graphs');
      await page.fill('#graph-search', 'image');
      await row.waitFor();
      await screenshot(page, 'graphs');
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    });

    it('shows the graph: services, the placement map with both auto services on their cluster, the decision in the timeline', async () => {
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('#services-table');
      expect(await page.locator('#services-table tr[data-service="noise-reduction"]').innerText()).toMatch(/noise-reduction\s+Deployed\s+c1\s+1/);
      expect(await page.locator('#services-table tr[data-service="image-compression-vo"]').innerText()).toContain('Pending');
      const c1 = page.locator('.cluster-column[data-cluster="c1"]');
      expect(await c1.locator('.service-block').evaluateAll((blocks) => blocks.map((b) => b.getAttribute('data-service')))).toEqual(expect.arrayContaining(['noise-reduction', 'image-detection']));
      expect(await c1.innerText()).toMatch(/CPU: [\d.]+ cores used of 4 cores/);
      expect(await page.locator('.cluster-column[data-cluster="c1"] meter').count()).toBeGreaterThanOrEqual(2);
      const decision = page.locator('#timeline .decision').first();
      expect(await decision.innerText()).toMatch(/first-deploy · naive/);
      expect(await decision.innerText()).toContain('noise-reduction (new) → c1');
      expect(await page.isVisible('#graph-actions')).toBe(true);
      await screenshot(page, 'graph');
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    });

    it('live events arrive while a re-placement after a cluster change shows its diff in the timeline', async () => {
      const events = await open(operator, `/ui/events?graph=${GRAPH}`);
      await events.waitForSelector('#events-state:has-text("connected")');
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      rig.kube.setClusters([
        karmadaCluster({ name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' }),
        karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
      ]);
      expect((await api('POST', '/clusters/sync')).status).toBeLessThan(300);
      await confirm(page, 'button[data-action="placement"]');
      await rig.idle();
      const latest = page.locator('#timeline .decision').first();
      await eventually(async () => ((await latest.innerText()).includes('manual') ? true : undefined), 20_000, 'the manual decision in the timeline');
      const moves = await latest.locator('.move').allInnerTexts();
      const placement = await placementOf();
      expect(moves.length).toBeGreaterThan(0);
      for (const move of moves) expect(move).toMatch(/^[\w-]+ c1 → c2$/);
      expect(moves.map((m) => m.split(' ')[0]).every((service) => placement[service!] === 'c2')).toBe(true);
      // The moved service now runs apart from the services it connects with (which one moves is a tie the optimiser breaks):
      // each service import between c1 and c2 is drawn as a cross-cluster link, and the importing column shows it.
      const moved = new Set(moves.map((m) => m.split(' ')[0]));
      await page.waitForSelector('.import-link.cross');
      const crossLinks = await page.locator('.import-link.cross').evaluateAll((items) => items.map((item) => ({ provider: item.getAttribute('data-provider')!, to: item.getAttribute('data-to')! })));
      for (const link of crossLinks) expect(link.to).toBe(moved.has(link.provider) ? 'c1' : 'c2');
      const [link] = crossLinks;
      expect(await page.locator(`.cluster-column[data-cluster="${link!.to}"] .service-block.imported`).allInnerTexts()).toContain(`imports ${link!.provider} from ${link!.to === 'c1' ? 'c2' : 'c1'}`);
      await screenshot(page, 'graph-after-replacement');

      await eventually(async () => ((await events.locator('tr.event-row').allInnerTexts()).some((r) => r.includes('PlacementDecided')) ? true : undefined), 10_000, 'PlacementDecided in the live events');
      expect(await events.textContent('#events-state')).toContain(`Graph ${GRAPH}: connected`);

      // The connection drops and the network stays down a while; what happens meanwhile arrives once the page reconnects (Last-Event-ID).
      const shown = async () => (await events.locator('tr.event-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-position'))))) as number[];
      const before = Math.max(...(await shown()));
      await events.context().setOffline(true);
      (rig.smo.app.getHttpServer() as import('node:http').Server).closeAllConnections();
      await events.waitForSelector('#events-state:has-text("reconnecting")', { timeout: 10_000 });
      expect((await api('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
      await rig.idle();
      const missed = ((await (await api('GET', `/graphs/${GRAPH}/history?limit=500`)).json()) as { events: Array<{ position: number }> }).events.map((e) => e.position).filter((p) => p > before);
      expect(missed.length).toBeGreaterThan(0);
      await events.context().setOffline(false);
      await events.waitForSelector(`#events-state:has-text("reconnected after ${before}")`, { timeout: 15_000 });
      await eventually(async () => {
        const positions = await shown();
        return missed.every((p) => positions.includes(p)) ? true : undefined;
      }, 10_000, 'the missed events after the reconnect');
      // Each event once: the resumed stream starts after the last one seen.
      const positions = await shown();
      expect(new Set(positions).size).toBe(positions.length);
      await screenshot(events, 'events');
      expect(await seriousViolations(events)).toEqual([]);
      await events.close();
      await page.close();
    });

    it('a proposal is shown with its diff and approved from the page; the replay is shown side by side', async () => {
      // A service on c2, as the re-placement above leaves the graph (placed here again when this test runs alone).
      rig.kube.setClusters([
        karmadaCluster({ name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' }),
        karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
      ]);
      expect((await api('POST', '/clusters/sync')).status).toBeLessThan(300);
      expect((await api('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
      await rig.idle();
      expect(Object.values(await placementOf())).toContain('c2');
      rig.kube.setClusters([
        karmadaCluster({ name: 'c1', cpu: '8', allocatedCpu: '0', allocatedMemory: '0' }),
        // The re-placement moved only what c1 could no longer hold; c2 now cannot hold that either.
        karmadaCluster({ name: 'c2', cpu: '500m', allocatedCpu: '0', allocatedMemory: '0' }),
      ]);
      await api('POST', '/clusters/sync');
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      await confirm(page, 'button[data-action="propose"]');
      const proposal = page.locator('.proposal[data-status="pending"]');
      await proposal.waitFor();
      expect(await proposal.locator('.move').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/ c2 → c1$/)]));
      expect(Object.values(await placementOf())).toContain('c2');
      await screenshot(page, 'proposal');
      await confirm(page, '.proposal[data-status="pending"] button[data-proposal-action="approve"]');
      await page.waitForSelector('.proposal[data-status="approved"]');
      await rig.idle();
      expect(Object.values(await placementOf()).every((cluster) => cluster === 'c1')).toBe(true);

      await page.selectOption('#replay-objective', 'fresh');
      await page.click('#replay-form button[type=submit]');
      const sideBySide = page.locator('#timeline table.side-by-side').first();
      await sideBySide.waitFor();
      expect(await sideBySide.locator('thead').innerText()).toMatch(/Service\s+Recorded\s+Replayed/);
      expect(await sideBySide.locator('caption').innerText()).toMatch(/objective fresh/);
      await screenshot(page, 'timeline-replay');
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    });

    it('runs a what-if against today\'s clusters and records nothing', async () => {
      const before = await (await api('GET', '/graphs')).json();
      const page = await open(operator, '/ui/what-if');
      await page.fill('#what-if-project', 'whatif');
      // Uploaded as a file: its text lands in the editor, where it can be changed before the run.
      await page.setInputFiles('#what-if-file', join(DESCRIPTORS, 'brussels-demo.upstream.hdag.yaml'));
      await eventually(async () => ((await page.inputValue('#what-if-descriptor')) === descriptorText() ? true : undefined), 5_000, 'the uploaded descriptor in the editor');
      await page.click('#what-if-form button[type=submit]');
      await page.waitForSelector('#what-if-table');
      expect(await page.locator('#what-if-table tr[data-service="noise-reduction"] td.cluster').innerText()).toMatch(/^c[12]$/);
      await screenshot(page, 'what-if');
      expect(await seriousViolations(page)).toEqual([]);
      await page.fill('#what-if-descriptor', 'hdaGraph: {id: Bad_Id}');
      await page.click('#what-if-form button[type=submit]');
      await page.waitForSelector('#what-if-result .problem');
      expect(await page.textContent('#what-if-result')).toContain('/hdaGraph');
      expect(await (await api('GET', '/graphs')).json()).toEqual(before);
      await page.close();
    });

    it('a read-only token sees no operate buttons, and the API refuses it anyway', async () => {
      rig.kube.setClusters([
        karmadaCluster({ name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' }),
        karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
      ]);
      await api('POST', '/clusters/sync');
      expect((await api('POST', `/graphs/${GRAPH}/placement?mode=propose`)).status).toBe(201);
      const reader = await signedIn(READ);
      const page = await open(reader, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('.proposal[data-status="pending"]');
      expect(await page.textContent('#session-role')).toBe('read-only');
      expect(await page.isVisible('#read-only-note')).toBe(true);
      expect(await page.isHidden('#graph-actions')).toBe(true);
      expect(await page.locator('button[data-proposal-action]').count()).toBe(0);
      // Replay and what-if are POSTs the API asks an operate token for: not offered either.
      expect(await page.isHidden('#replay-form')).toBe(true);
      const whatIf = await open(reader, '/ui/what-if');
      expect(await whatIf.isHidden('#what-if-form')).toBe(true);
      expect(await whatIf.isVisible('#what-if-read-only')).toBe(true);
      await whatIf.close();
      await screenshot(page, 'graph-read-only');
      expect(await seriousViolations(page)).toEqual([]);
      const refused = await page.evaluate(async ([path, token]) => (await fetch(path!, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, [`/graphs/${GRAPH}/stop`, READ]);
      expect(refused).toBe(403);
      expect(((await (await api('GET', `/graphs/${GRAPH}`)).json()) as { status: string }).status).toBe('Running');
      await reader.close();
    });

    it('the graph page shows a stop made between its first read and its event stream starting', async () => {
      // The page's event stream is held until the stop is made: that window, widened so it is deterministic.
      const watcher = await signedIn(OPERATE);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await watcher.route('**/events/stream*', async (route) => {
        await released;
        await route.continue();
      });
      const page = await open(watcher, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('#graph-status .status-running');
      expect((await api('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
      await rig.idle();
      release();
      await page.waitForSelector('#graph-status .status-stopped', { timeout: 10_000 });
      await watcher.close();
      expect((await api('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
      await rig.idle();
    });

    it('a slow reload read before a stop does not overwrite the stopped graph the page showed after it', async () => {
      // One reload of the page reads the graph while it runs, and its answer is slow; the graph is stopped meanwhile.
      const watcher = await signedIn(OPERATE);
      const page = await open(watcher, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('#graph-status .status-running');
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held!: () => void;
      const heldRead = new Promise<void>((resolve) => (held = resolve));
      let holding = true;
      await page.route(`**/graphs/${GRAPH}`, async (route) => {
        if (!holding || route.request().method() !== 'GET') return route.continue();
        holding = false;
        const answer = await route.fetch();
        held();
        await released;
        await route.fulfill({ response: answer });
      });
      // A re-placement: events for this graph, so the page reads it again (still Running).
      expect((await api('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
      await heldRead;
      expect((await api('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
      await rig.idle();
      // The stop's events reach the page while that read is held.
      await page.waitForSelector('#graph-status .status-stopped', { timeout: 3_000 }).catch(() => undefined);
      release();
      await page.waitForSelector('#graph-status .status-stopped', { timeout: 10_000 });
      await page.waitForTimeout(1_500);
      expect(await page.locator('#graph-status .badge').innerText()).toBe('Stopped');
      expect(await page.locator('#services-table tr[data-service="noise-reduction"] td').first().innerText()).toBe('Not deployed');
      await watcher.close();
      expect((await api('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
      await rig.idle();
    });

    it('events that decide no placement redraw the graph without reading its decisions again', async () => {
      // A page of decisions carries every decision's inputs: 3.3 MB for 100 decisions of a 200-service graph.
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('#graph-status .status-running');
      // The reload once the event stream has connected.
      await page.waitForTimeout(1_000);
      const decisionReads: string[] = [];
      page.on('request', (request) => {
        if (/\/placements(\?|$)/.test(new URL(request.url()).pathname + new URL(request.url()).search)) decisionReads.push(request.url());
      });
      expect((await api('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
      await rig.idle();
      await page.waitForSelector('#graph-status .status-stopped');
      await page.waitForSelector('#services-table tr[data-service="noise-reduction"] .status-not-deployed');
      await page.waitForTimeout(1_500);
      expect(decisionReads).toEqual([]);
      // A re-placement is a decision: the timeline shows it.
      expect((await api('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
      await rig.idle();
      const before = await page.locator('#timeline .decision').count();
      expect((await api('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
      await eventually(async () => ((await page.locator('#timeline .decision').count()) > before ? true : undefined), 10_000, 'the new decision in the timeline');
      expect(decisionReads.length).toBeGreaterThan(0);
      await page.close();
    });

    it("the graph page says when its live updates are refused, and SMO's reason, instead of going quietly stale", async () => {
      const page = await operator.newPage();
      page.on('pageerror', (error) => pageErrors.push(`graph (streams full): ${error.message}`));
      // As SMO answers when SMO_MAX_EVENT_STREAMS streams are open.
      const detail = '200 event streams are open, the most SMO_MAX_EVENT_STREAMS allows; retry later';
      await page.route('**/events/stream*', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', headers: { 'retry-after': '5' }, body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail }) }));
      await page.goto(`${rig.smo.url}/ui/graphs/${GRAPH}`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#graph-live:has-text("retry later")', { timeout: 5_000 });
      expect(await page.innerText('#graph-live')).toContain(detail);
      await page.unroute('**/events/stream*');
      await page.waitForSelector('#graph-live:has-text("following this graph")', { timeout: 10_000 });
      expect(await page.innerText('#graph-live')).not.toContain(detail);
      await page.close();
    });

    it('a graph whose events never pause is still shown as it changes', async () => {
      // Events about the graph arrive every 100 ms for 5 s (re-placements that move nothing): the page shows the latest decision meanwhile.
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      await page.waitForSelector('#timeline .decision');
      const shownDecisions = () => page.locator('#timeline .decision').count();
      const before = await shownDecisions();
      let seenWhileBusy = false;
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        expect((await api('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
        if ((await shownDecisions()) > before) seenWhileBusy = true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seenWhileBusy).toBe(true);
      await rig.idle();
      await page.close();
    });

    it('stop, start and remove ask for confirmation first; cancelling changes nothing', async () => {
      const page = await open(operator, `/ui/graphs/${GRAPH}`);
      await page.click('button[data-action="stop"]');
      expect(await page.textContent('#confirm-text')).toBe(`Stop ${GRAPH}: uninstall its services?`);
      await page.click('#confirm-dialog button[value="cancel"]');
      await rig.idle();
      expect(((await (await api('GET', `/graphs/${GRAPH}`)).json()) as { status: string }).status).toBe('Running');

      await confirm(page, 'button[data-action="stop"]');
      await page.waitForSelector('#graph-status .status-stopped');
      await page.waitForSelector('#services-table tr[data-service="noise-reduction"] .status-not-deployed');
      await confirm(page, 'button[data-action="start"]');
      await page.waitForSelector('#graph-status .status-running');
      await rig.idle();
      expect(((await (await api('GET', `/graphs/${GRAPH}`)).json()) as { status: string }).status).toBe('Running');

      // Too little capacity anywhere: the infeasible decision shows its binding resource and the capacity gap.
      rig.kube.setClusters([
        karmadaCluster({ name: 'c1', cpu: '500m', allocatedCpu: '0', allocatedMemory: '0' }),
        karmadaCluster({ name: 'c2', cpu: '500m', allocatedCpu: '0', allocatedMemory: '0' }),
      ]);
      await api('POST', '/clusters/sync');
      await confirm(page, 'button[data-action="placement"]');
      const infeasible = page.locator('#timeline .decision.infeasible').first();
      await infeasible.waitFor();
      expect(await infeasible.innerText()).toMatch(/Infeasible: .*binding resource: cpu/);
      await infeasible.locator('.capacity-gap li').first().waitFor();
      expect(await infeasible.locator('.capacity-gap li').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^add to c[12]: \+[\d.]+ CPU cores/)]));
      await screenshot(page, 'timeline-infeasible');

      await confirm(page, 'button[data-action="remove"]');
      await eventually(async () => ((await api('GET', `/graphs/${GRAPH}`)).status === 404 ? true : undefined), 20_000, 'the graph removed');
      await page.waitForSelector('#services .problem:has-text("not found")');
      await page.close();
    });

    it('the placement map shows latency requirements with the round trips Submariner measured', async () => {
      // As in test/e2e/latency-placement: c1 holds the VO and noise-reduction only, image-detection goes to c2.
      const text = descriptorText();
      const at = text.indexOf('latencies: []', text.indexOf('id: noise-reduction'));
      const ultralow = `${text.slice(0, at)}latencies:\n              - connectionPoint: image-detection\n                qos: ultralow${text.slice(at + 'latencies: []'.length)}`;
      const latencyRig = await startRig({
        clusters: [
          { name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' },
          { name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' },
        ],
        gateways: [submarinerGateway({ clusterId: 'c1', connections: [{ clusterId: 'c2', averageRtt: '5ms' }] })],
        env: { SMO_API_TOKENS: `${OPERATE}:operate` },
      });
      try {
        const deployed = await latencyRig.request('POST', '/project/demo/graphs', { body: ultralow, contentType: 'application/yaml', headers: { authorization: `Bearer ${OPERATE}` } });
        expect(deployed.status).toBe(200);
        const context = await signedIn(OPERATE, latencyRig.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, latencyRig.smo.url);
        await page.waitForSelector('.latency');
        expect(await page.locator('.latency').allInnerTexts()).toEqual([expect.stringMatching(/^noise-reduction ↔ image-detection: required ultralow; measured round trip 5(\.0+)? ms \(c1 ↔ c2\)$/)]);
        expect(await page.locator('.import-link.cross').count()).toBeGreaterThan(0);
        await screenshot(page, 'placement-latency');
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      } finally {
        await latencyRig.stop();
      }
    });

    it("a failed helm install shows helm's stderr with a Retry button that works for an operator, and no button for a reader", async () => {
      const failing = await startRig({ env: { SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read` } });
      try {
        const stderr = 'Error: INSTALLATION FAILED: chart "noise-reduction" not found in repository';
        failing.helm.control({ fail: [{ command: 'install', release: 'noise-reduction', times: 1, exitCode: 1, stderr }] });
        const operate = { authorization: `Bearer ${OPERATE}` };
        expect((await failing.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: operate })).status).toBe(200);
        await failing.idle();

        const reader = await signedIn(READ, failing.smo.url);
        const readOnly = await open(reader, `/ui/graphs/${GRAPH}`, failing.smo.url);
        const readerRow = readOnly.locator('#services-table tr[data-service="noise-reduction"]');
        await readerRow.locator('.failure pre.stderr').waitFor();
        expect(await readerRow.locator('.failure pre.stderr').innerText()).toContain(stderr);
        expect(await readerRow.locator('button[data-action="retry"]').count()).toBe(0);
        await reader.close();

        const context = await signedIn(OPERATE, failing.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, failing.smo.url);
        const row = page.locator('#services-table tr[data-service="noise-reduction"]');
        await row.locator('.failure').waitFor();
        expect(await row.innerText()).toMatch(/noise-reduction\s+Failed/);
        expect(await row.locator('.failure p').innerText()).toBe('helm install failed (exit 1)');
        expect(await row.locator('.failure pre.stderr').innerText()).toContain(stderr);
        await screenshot(page, 'graph-helm-failure');
        expect(await seriousViolations(page)).toEqual([]);

        await confirm(page, '#services-table tr[data-service="noise-reduction"] button[data-action="retry"]');
        await failing.idle();
        await page.waitForSelector('#services-table tr[data-service="noise-reduction"] .status-deployed');
        expect(await page.locator('#services-table tr[data-service="noise-reduction"] .failure').count()).toBe(0);
        expect(failing.helmCalls('install').filter((call) => call.release === 'noise-reduction')).toHaveLength(2);
        const view = (await (await failing.request('GET', `/graphs/${GRAPH}`, { headers: operate })).json()) as { services: Array<{ name: string; status: string; error: unknown }> };
        expect(view.services.find((service) => service.name === 'noise-reduction')).toMatchObject({ status: 'Deployed', error: null });
        await screenshot(page, 'graph-after-retry');
        await context.close();
      } finally {
        await failing.stop();
      }
    });

    it("Grafana's refusal is shown on the graph, and the event it left parked makes every page say SMO is degraded", async () => {
      const failing = await startRig({ env: { SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read` } });
      try {
        const operate = { authorization: `Bearer ${OPERATE}` };
        failing.grafana.down();
        expect((await failing.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: operate })).status).toBe(200);
        // The deployment processor retries the event with backoff, then parks it: /health says degraded.
        const parked = async () => ((await (await failing.request('GET', '/health')).json()) as { processing: Array<{ name: string; parkedEvents: number }> }).processing.find((r) => r.name === 'deployment')?.parkedEvents;
        await eventually(async () => ((await parked()) === 1 ? true : undefined), 20_000, 'the parked event');

        const context = await signedIn(OPERATE, failing.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, failing.smo.url);
        await page.waitForSelector('#services-table');
        const failure = page.locator('#dashboard-failure');
        await failure.waitFor();
        expect(await failure.innerText()).toMatch(/^Grafana dashboard publish failed( \(service [\w-]+\))?: cannot reach Grafana/);
        expect(await page.content()).not.toContain(GRAFANA_PASSWORD);
        expect(await page.isVisible('#health-message')).toBe(true);
        expect(await page.innerText('#health-message')).toMatch(/^SMO is degraded: deployment: 1 parked event\b/);
        const list = await open(context, '/ui', failing.smo.url);
        await list.waitForSelector('#health-message:not([hidden])');
        expect(await list.innerText('#health-message')).toContain('deployment: 1 parked event');
        await list.close();
        await screenshot(page, 'graph-dashboard-failure');
        expect(await seriousViolations(page)).toEqual([]);

        failing.grafana.up();
        await confirm(page, 'button[data-action="retry"]');
        await failing.idle();
        await failure.waitFor({ state: 'detached', timeout: 15_000 });
        await context.close();
      } finally {
        await failing.stop();
      }
    });

    it('the replicas shown are those the autoscaler set, not those of the placement decision', async () => {
      const prometheus = new FakePrometheus();
      const prometheusUrl = await prometheus.start();
      // noise-reduction serves 0.533·r − 0.416 req/s: 1 req/s needs 3 replicas (as in test/e2e/scaling).
      prometheus.answer((query) => vectorReply(query.includes('service="noise-reduction"') ? [{ labels: { service: 'noise-reduction' }, value: '1' }] : []));
      const scaling = await startRig({ env: { SMO_API_TOKENS: `${OPERATE}:operate`, SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: prometheusUrl } });
      try {
        expect((await scaling.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: { authorization: `Bearer ${OPERATE}` } })).status).toBe(200);
        for (const name of ['noise-reduction', 'image-detection']) scaling.kube.setDeployment({ name, namespace: 'demo', replicas: 1, cpuLimit: '1' });
        await eventually(async () => (await scaling.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ServiceScaled'] } })).find((e) => (e.data as { to: number }).to === 3), 20_000, 'noise-reduction scaled to 3');
        await scaling.idle();
        const context = await signedIn(OPERATE, scaling.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, scaling.smo.url);
        await page.waitForSelector('#services-table');
        const replicas = (service: string) => page.locator(`#services-table tr[data-service="${service}"] td`).nth(2).innerText();
        expect(await replicas('noise-reduction')).toBe('3');
        expect(await replicas('image-detection')).toBe('1');
        await context.close();
      } finally {
        await scaling.stop();
        await prometheus.stop();
      }
    });

    it('a highAvailability graph shows each service on every cluster it runs on', async () => {
      const ha = await startRig({
        clusters: [
          { name: 'c1', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
          { name: 'c2', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
        ],
        env: { SMO_API_TOKENS: `${OPERATE}:operate` },
      });
      try {
        const descriptor = descriptorText().replace(/(highAvailability:\n\s+enabled: )False/, '$1True');
        expect(descriptor).not.toEqual(descriptorText());
        expect((await ha.request('POST', '/project/demo/graphs', { body: descriptor, contentType: 'application/yaml', headers: { authorization: `Bearer ${OPERATE}` } })).status).toBe(200);
        const [decision] = (await (await ha.request('GET', `/graphs/${GRAPH}/placements`, { headers: { authorization: `Bearer ${OPERATE}` } })).json()) as Array<{ clusterSets: Record<string, string[]> }>;
        expect(new Set(decision!.clusterSets['noise-reduction'])).toEqual(new Set(['c1', 'c2']));

        const context = await signedIn(OPERATE, ha.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, ha.smo.url);
        await page.waitForSelector('#services-table');
        for (const cluster of ['c1', 'c2']) {
          const blocks = await page.locator(`.cluster-column[data-cluster="${cluster}"] .service-block:not(.imported)`).evaluateAll((items) => items.map((b) => b.getAttribute('data-service')));
          expect(blocks.sort()).toEqual(['image-compression-vo', 'image-detection', 'noise-reduction']);
        }
        expect(await page.locator('#services-table tr[data-service="noise-reduction"] td.cluster').innerText()).toBe('c1, c2');
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      } finally {
        await ha.stop();
      }
    });

    it('a capacity gap shows a cluster provisioning proposal; an operator rejects it from the page and NFVCL builds nothing', async () => {
      const nfvcl = await FakeNfvcl.start();
      // One 1-core cluster: the Brussels graph cannot be placed, and NFVCL is configured with a VIM.
      const short = await startRig({
        clusters: [{ name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }],
        env: { SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read`, NFVCL_BASE_URL: nfvcl.url, NFVCL_TIMEOUT: '5', SMO_PROVISION_WORKER_CPU: '2' },
      });
      try {
        const operate = { authorization: `Bearer ${OPERATE}` };
        expect((await short.request('POST', '/vims/smo_vims', { body: JSON.stringify(vimBody()), contentType: 'application/json', headers: operate })).status).toBe(201);
        expect((await short.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: operate })).status).toBe(422);
        await eventually(async () => {
          const list = (await (await short.request('GET', `/graphs/${GRAPH}/cluster-proposals`, { headers: operate })).json()) as unknown[];
          return list.length > 0 ? true : undefined;
        }, 20_000, 'a cluster provisioning proposal');

        const context = await signedIn(OPERATE, short.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, short.smo.url);
        const proposal = page.locator('#proposals .cluster-proposal[data-status="pending"]');
        await proposal.waitFor();
        expect(await proposal.innerText()).toMatch(/New cluster on VIM os-brussels \(area 0\): 1 worker\(s\), for a capacity gap of cpu 1\.5/);
        await screenshot(page, 'cluster-proposal');
        expect(await seriousViolations(page)).toEqual([]);
        await confirm(page, '#proposals button[data-cluster-proposal-action="reject"]');
        await page.waitForSelector('#proposals .cluster-proposal[data-status="rejected"]');
        expect(await page.locator('#proposals button[data-cluster-proposal-action]').count()).toBe(0);
        expect(nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s')).toEqual([]);
        await context.close();
      } finally {
        await short.stop();
        await nfvcl.stop();
      }
    });

    it('a graph whose latest page of decisions are all failed re-placements still shows its placement', async () => {
      const failing = await startRig({
        clusters: [{ name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }],
        env: { SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read` },
      });
      try {
        const operate = { authorization: `Bearer ${OPERATE}` };
        expect((await failing.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: operate })).status).toBe(200);
        // The cluster shrinks under the graph: every re-placement asked for now fails, a full page of them.
        failing.kube.setClusters([karmadaCluster({ name: 'c1', cpu: '500m', allocatedCpu: '0', allocatedMemory: '0' })]);
        expect((await failing.request('POST', '/clusters/sync', { headers: operate })).status).toBeLessThan(300);
        // Upstream's answer: 200 "triggered" whatever the outcome; the placements below show each one failed.
        for (let i = 0; i < 100; i++) expect((await failing.request('POST', `/graphs/${GRAPH}/placement`, { headers: operate })).status).toBe(200);
        const page100 = (await (await failing.request('GET', `/graphs/${GRAPH}/placements`, { headers: operate })).json()) as Array<{ feasible: boolean }>;
        expect(page100.map((d) => d.feasible)).toEqual(Array.from({ length: 100 }, () => false));

        const context = await signedIn(OPERATE, failing.smo.url);
        const page = await open(context, `/ui/graphs/${GRAPH}`, failing.smo.url);
        await page.waitForSelector('#services-table');
        // Replicas come from the decision the placement was made with, found before the failed ones.
        await eventually(async () => (/noise-reduction\s+Deployed\s+c1\s+1/.test(await page.locator('#services-table tr[data-service="noise-reduction"]').innerText()) ? true : undefined), 10_000, 'the replicas of the placed decision');
        expect(await page.locator('#timeline .decision').first().innerText()).toMatch(/manual/);
        expect(await seriousViolations(page)).toEqual([]);
        // The list says so too: the placement it runs with, and that re-placing it failed.
        const list = await open(context, '/ui', failing.smo.url);
        const decisionCell = list.locator(`tr[data-graph="${GRAPH}"] td`).nth(3);
        await decisionCell.waitFor();
        expect(await decisionCell.innerText()).toMatch(/^first-deploy · naive\s*failed: .+/);
        await context.close();
      } finally {
        await failing.stop();
      }
    });

    it('with more graphs than a page holds, the next page and the project filter reach every one', async () => {
      // 1,000 graphs in projects bulk-00 to bulk-99 (one deploy per project at a time), then zz-last alone in project zz: the 1,001st, in any order.
      const dir = mkdtempSync(join(tmpdir(), 'smo-ui-many-'));
      const clusters = join(dir, 'clusters.yaml');
      writeFileSync(clusters, ['clusters:', ...['cluster-a', 'cluster-b'].flatMap((name) => [`  - name: ${name}`, '    cpu: 100000', '    memory: 400000Gi', '    gpu: 0'])].join('\n') + '\n');
      const many = await startApp({ SMO_SIMULATED_CLUSTERS: clusters, SMO_API_TOKENS: `${OPERATE}:operate`, SMO_RATE_LIMIT: '100000' });
      try {
        const deploy = async (project: string, graph: string) => {
          const body = independentServicesDescriptor(graph, 1, ['oci://registry.example/charts/app']).replaceAll('svc-', `${graph}-svc-`);
          const response = await fetch(`${many.url}/project/${project}/graphs`, { method: 'POST', headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/yaml', prefer: 'respond-async' }, body });
          if (response.status !== 202) throw new Error(`${graph}: ${response.status} ${await response.text()}`);
        };
        for (let i = 0; i < 1000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => deploy(`bulk-${String(k).padStart(2, '0')}`, `g-${String(i + k).padStart(4, '0')}`)));
        await deploy('zz', 'zz-last');
        // The list needs the graphs projected, not deployed.
        await eventually(async () => {
          const read = async (query: string) => ((await (await fetch(`${many.url}/ui/data/graphs?${query}`, { headers: { authorization: `Bearer ${OPERATE}` } })).json()) as { graphs: unknown[] }).graphs.length;
          return (await read('project=zz')) === 1 && (await read('limit=1000&after=bulk-99%2Fg-0998')) === 2 ? true : undefined;
        }, 60_000, 'the 1,001 graphs listed');

        const context = await signedIn(OPERATE, many.url);
        const page = await open(context, '/ui', many.url);
        expect(await page.locator('#graphs-table tbody tr').count()).toBe(1000);
        expect(await page.locator('tr[data-graph="zz-last"]').count()).toBe(0);
        await Promise.all([page.waitForURL(/after=/), page.click('#graphs-next')]);
        await page.waitForSelector('tr[data-graph="zz-last"]');
        expect(await page.locator('#graphs-table tbody tr').count()).toBe(1);

        // The project filter asks SMO for that project's graphs, whether or not the first page held any.
        await page.goto(`${many.url}/ui`);
        await page.waitForSelector('body[data-ready="true"]');
        await page.fill('#project-filter', 'zz');
        await page.press('#project-filter', 'Enter');
        await page.waitForSelector('tr[data-graph="zz-last"]');
        expect(await page.locator('#graphs-table tbody tr').count()).toBe(1);
        expect(page.url()).toMatch(/\/ui\?project=zz$/);
        const linked = await open(context, '/ui?project=zz', many.url);
        await linked.waitForSelector('tr[data-graph="zz-last"]');
        expect(await seriousViolations(linked)).toEqual([]);
        await context.close();
      } finally {
        await many.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it('no page broke its Content-Security-Policy or threw', () => {
      expect(cspViolations).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  });
}
