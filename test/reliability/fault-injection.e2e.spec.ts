/**
 * Fault injection: SMO in-process against the fakes of the process
 * boundary, with one fault at a time —
 *
 *   event store write failure   SQLite's own "database or disk is full" (see `sqliteDisk`)
 *   helm hanging                past SMO_HELM_TIMEOUT (the fake helm's `hang`)
 *   Kubernetes API              500s and timeouts (FakeKubeApi `failNext` / `hang`) in cluster sync and scaling
 *   Prometheus                  down and hanging (a TCP proxy in front of the fake) during scaling
 *   Grafana                     down during a deployment (FakeGrafana `down`)
 *   NFVCL                       down, hanging and 5xx (a TCP proxy / `failNext`) for VIMs and clusters
 *
 * Each test checks what the fault leaves behind: the failure recorded as an event, a status that
 * shows it (graph view, /health), a retry that converges, and no side effect lost or applied twice
 * (helm installs, scale patches, dashboards, NFVCL topology and blueprints). Canary secrets are
 * planted in the configuration and requests; after each test every file of the data directory
 * (all bytes), every row of every table, every captured log line (level trace) and every response
 * body is searched for them, and the last test asserts none was found.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DatabaseSync } from 'node:sqlite';
import type { Runtime } from '../../src/app/runtime';
import { createLogger } from '../../src/observability/logger';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { FakeNfvcl, type RunningFakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { FakePrometheus, vectorReply } from '../fakes/prometheus/fake-prometheus';
import { startApp, type RunningApp } from '../support/app';
import { FaultProxy } from '../support/fault-proxy';
import { descriptorText } from '../support/graph-fixtures';
import { GRAFANA_PASSWORD, startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';
import { isAlive } from '../support/processes';

jest.setTimeout(90_000);

const GRAPH = 'image-detection-graph';
const PROJECT = 'demo';
/** The auto-triggered services of the Brussels demo (image-compression-vo waits for its alert). */
const INSTALLED = ['noise-reduction', 'image-detection'];

const API_TOKEN = `canary-api-token-${randomBytes(12).toString('hex')}`;
const ALERTS_TOKEN = `canary-alerts-token-${randomBytes(12).toString('hex')}`;
const VIM_PASSWORD = `canary-vim-password-${randomBytes(12).toString('hex')}`;
const KUBE_TOKEN = 'fake-kube-api-token'; // FakeKubeApi's bearer token, in SMO's kubeconfig
const CANARIES = [GRAFANA_PASSWORD, API_TOKEN, ALERTS_TOKEN, VIM_PASSWORD, KUBE_TOKEN];

const leaks: string[] = [];
const scanned = { files: 0, bytes: 0, rows: 0, logLines: 0, bodies: 0 };

function inspect(where: string, content: string | Buffer): void {
  for (const canary of CANARIES) if (content.includes(canary)) leaks.push(`${where} contains ${canary.slice(0, 16)}…`);
}

/** Log lines of one SMO instance, every level. */
function captureLogs(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), lines };
}

/** An HTTP client that authenticates with the API token and keeps every answer for the canary scan. */
function client(baseUrl: () => string) {
  return async (method: string, path: string, options: { body?: unknown; contentType?: string; headers?: Record<string, string>; apiToken?: boolean } = {}) => {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const contentType = options.contentType ?? (body !== undefined ? 'application/json' : undefined);
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...(options.apiToken === false ? {} : { authorization: `Bearer ${API_TOKEN}` }), ...(contentType ? { 'content-type': contentType } : {}), ...options.headers },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    scanned.bodies++;
    inspect(`${method} ${path} → ${response.status} body`, text);
    for (const [name, value] of response.headers) inspect(`${method} ${path} header ${name}`, value);
    return { status: response.status, headers: response.headers, text, json: <T = Record<string, unknown>>() => JSON.parse(text) as T };
  };
}

/** Every file under the data directory (all bytes: the SQLite file, its WAL, helm's state…) and every row of every table. */
function scanSmo(smo: RunningApp, lines: string[]): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        scanned.files++;
        scanned.bytes += bytes.length;
        inspect(`data file ${path.slice(smo.dataDir.length)}`, bytes);
      }
    }
  };
  walk(smo.dataDir);
  const db = sqliteOf(smo.runtime);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
      scanned.rows++;
      inspect(`table ${name}`, JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value)));
    }
  }
  scanned.logLines += lines.length;
  lines.forEach((line, index) => inspect(`log line ${index}`, line));
}

/** The connection of SMO's embedded store (one SQLite file for events and read models). */
function sqliteOf(runtime: Runtime): DatabaseSync {
  return (runtime.readStore.inner as unknown as { database: { db: DatabaseSync } }).database.db;
}

/**
 * A real "disk full" for SMO's SQLite file, with no root and no mocks: `PRAGMA max_page_count`
 * caps the file at its current size on SMO's own connection, and a ballast table takes the free
 * space left inside its pages. Every write SMO tries then fails in SQLite with SQLITE_FULL
 * ("database or disk is full"), exactly as on a full filesystem. `free()` drops the ballast and
 * lifts the cap.
 */
function sqliteDisk(runtime: Runtime) {
  const db = sqliteOf(runtime);
  return {
    fill(): void {
      db.exec('CREATE TABLE IF NOT EXISTS fault_ballast (filler BLOB)');
      const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
      db.exec(`PRAGMA max_page_count = ${pages}`);
      const insert = db.prepare('INSERT INTO fault_ballast VALUES (?)');
      for (const size of [4000, 1000, 200, 50, 1]) {
        for (;;) {
          try {
            insert.run(Buffer.alloc(size));
          } catch {
            break;
          }
        }
      }
    },
    free(): void {
      db.exec('DROP TABLE IF EXISTS fault_ballast');
      db.exec('PRAGMA max_page_count = 1073741823');
    },
    /** Every write fails with SQLITE_READONLY, as on a filesystem remounted read-only after an I/O error. */
    readOnly(on: boolean): void {
      db.exec(`PRAGMA query_only = ${on ? 'ON' : 'OFF'}`);
    },
  };
}

const COMMON_ENV = {
  SMO_API_TOKENS: `${API_TOKEN}:operate`,
  SMO_ALERTS_TOKEN: ALERTS_TOKEN,
  SMO_RATE_LIMIT: '100000',
  SMO_KUBE_TIMEOUT: '1',
};

interface FaultRig {
  rig: OrchestratorRig;
  lines: string[];
  call: ReturnType<typeof client>;
  graph(): Promise<Record<string, unknown> & { services: Array<Record<string, unknown>>; dashboardFailure: unknown; grafana: string | null }>;
  events(...types: string[]): Promise<Array<{ type: string; data: Record<string, unknown> }>>;
  health(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function startFaultRig(env: Record<string, string> = {}): Promise<FaultRig> {
  const { logger, lines } = captureLogs();
  const rig = await startRig({ env: { ...COMMON_ENV, ...env }, logger });
  const call = client(() => rig.smo.url);
  return {
    rig,
    lines,
    call,
    graph: async () => (await call('GET', `/graphs/${GRAPH}`)).json(),
    events: async (...types) =>
      (await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: types } })) as unknown as Array<{ type: string; data: Record<string, unknown> }>,
    health: async () => (await call('GET', '/health')).json(),
    async stop() {
      scanSmo(rig.smo, lines);
      await rig.stop();
    },
  };
}

const deploy = (f: FaultRig, headers: Record<string, string> = {}) =>
  f.call('POST', `/project/${PROJECT}/graphs`, { body: descriptorText(), contentType: 'application/yaml', headers });

const installsOf = (rig: OrchestratorRig, release: string) => rig.helm.installs(release).length;

/** Releases the fake helm holds, as name → revisions (deployed or not). */
const releases = (rig: OrchestratorRig) => Object.fromEntries(Object.values(rig.helm.state()).map((r) => [r.name, r.revisions.map((v) => v.status)]));

describe('fault injection', () => {
  describe('event store write failure (SQLite: disk full, read-only)', () => {
    let f: FaultRig;
    afterEach(async () => f?.stop());

    it('refuses a command with 503 and Retry-After, records and installs nothing; after space returns the same deploy runs once', async () => {
      f = await startFaultRig();
      await f.rig.idle();
      const disk = sqliteDisk(f.rig.smo.runtime);
      disk.fill();

      const refused = await deploy(f);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.json()).toMatchObject({ status: 503, detail: expect.stringContaining('database or disk is full') });
      expect(await f.events('GraphSubmitted')).toHaveLength(0);
      expect((await f.call('GET', `/graphs/${GRAPH}`)).status).toBe(404);
      // Reads still work: the API and /health answer while nothing can be written.
      expect((await f.call('GET', '/health')).status).toBe(200);

      disk.free();
      const accepted = await deploy(f);
      expect(accepted.status).toBe(200);
      const graph = await f.graph();
      expect(graph.services.map((s) => [s.name, s.status])).toEqual([
        ['image-compression-vo', 'Pending'],
        ['noise-reduction', 'Deployed'],
        ['image-detection', 'Deployed'],
      ]);
      for (const release of INSTALLED) expect(installsOf(f.rig, release)).toBe(1);
      expect(await f.events('GraphSubmitted')).toHaveLength(1);
    });

    it('a helm install that completes while the store is read-only is recorded once it is writable: one install, adopted, nothing else run meanwhile', async () => {
      // One release at a time: with parallel installs the second service's would start in the same wave,
      // before the store fails, and "nothing else run meanwhile" could not be told apart from that.
      f = await startFaultRig({ SMO_HELM_CONCURRENCY: '1' });
      await f.rig.idle();
      const disk = sqliteDisk(f.rig.smo.runtime);
      f.rig.helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 1500, times: 1 }] });

      expect((await deploy(f, { prefer: 'respond-async' })).status).toBe(202);
      await eventually(async () => installsOf(f.rig, 'noise-reduction') === 1, 10_000, 'the hanging install');
      disk.readOnly(true); // the install is under way; its outcome cannot be recorded
      await eventually(async () => f.lines.some((line) => line.includes('handler failed') && line.includes('readonly database')), 15_000, 'a failed record');
      expect(releases(f.rig)['noise-reduction']).toEqual(['deployed']); // applied…
      expect((await f.graph()).services.find((s) => s.name === 'noise-reduction')?.status).toBe('Deploying'); // …not recorded
      expect(installsOf(f.rig, 'image-detection')).toBe(0); // no further step while nothing can be recorded
      const degraded = await f.health();
      expect(degraded.status).toBe('degraded');
      expect(JSON.stringify(degraded.processing)).toContain('readonly database');

      disk.readOnly(false);
      await eventually(async () => (await f.graph()).settled === true, 30_000, 'the graph to settle');
      const graph = await f.graph();
      expect(graph.services.filter((s) => s.status === 'Deployed').map((s) => s.name)).toEqual(INSTALLED);
      for (const release of INSTALLED) expect(installsOf(f.rig, release)).toBe(1);
      const deployed = (await f.events('ServiceDeployed')).filter((e) => e.data.serviceId === 'noise-reduction').map((e) => e.data.action);
      expect(deployed).toEqual(['adopt', 'upgrade']);
      await eventually(async () => (await f.health()).status === 'ok' || undefined, 20_000, '/health to recover');
    });
  });

  describe('helm hanging past SMO_HELM_TIMEOUT', () => {
    let f: FaultRig;
    afterEach(async () => f?.stop());

    it('records ServiceDeploymentFailed with timedOut, shows the service Failed, kills the process group; a retry installs it once', async () => {
      f = await startFaultRig({ SMO_HELM_TIMEOUT: '1' });
      await f.rig.idle();
      f.rig.helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 20_000, times: 1 }] }); // past the kill, 6 s (1 s and the least grace, 5 s)

      expect((await deploy(f)).status).toBe(200); // settled: Deployed, Pending or Failed
      const failedView = (await f.graph()).services.find((s) => s.name === 'noise-reduction')!;
      expect(failedView.status).toBe('Failed');
      expect(failedView.error).toMatchObject({ action: 'install', exitCode: null, timedOut: true });
      const failures = await f.events('ServiceDeploymentFailed');
      expect(failures).toHaveLength(1);
      expect(failures[0]!.data).toMatchObject({ serviceId: 'noise-reduction', timedOut: true });
      const hung = f.rig.helm.installs('noise-reduction')[0]!;
      for (const pid of [hung.pid, hung.grandchildPid!]) await eventually(async () => !isAlive(pid), 5_000, `helm process ${pid} to end`); // the whole group
      expect(releases(f.rig)['noise-reduction']).toBeUndefined();
      expect(releases(f.rig)['image-detection']).toEqual(['deployed']); // the other service is not held back

      const retried = await f.call('POST', `/graphs/${GRAPH}/retry`);
      expect(retried.status).toBe(200);
      await eventually(async () => (await f.graph()).services.find((s) => s.name === 'noise-reduction')?.status === 'Deployed', 15_000, 'the retried install');
      expect(releases(f.rig)['noise-reduction']).toEqual(['deployed']); // one release, one revision
      expect(installsOf(f.rig, 'noise-reduction')).toBe(2); // the killed attempt and the retry
      expect(installsOf(f.rig, 'image-detection')).toBe(1);
    });
  });

  describe('Kubernetes (Karmada) API failures', () => {
    let f: FaultRig;
    afterEach(async () => f?.stop());

    it('cluster sync: a 500 and a timeout answer 502 and show in /health; the next sync converges without duplicate events', async () => {
      f = await startFaultRig();
      const registered = await eventually(async () => (await f.events('ClusterRegistered')).length === 2 && 2, 10_000, 'the first sync');
      await f.rig.idle();

      f.rig.kube.failNext('/apis/cluster.karmada.io', 500, 1);
      const failed = await f.call('POST', '/clusters/sync');
      expect(failed.status).toBe(502);
      expect(failed.json()).toMatchObject({ status: 502, detail: expect.stringContaining('500') });
      let health = await f.health();
      expect(health.status).toBe('degraded');
      expect(health.clusterSync).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('500') });

      f.rig.kube.hang();
      const started = Date.now();
      const timedOut = await f.call('POST', '/clusters/sync');
      expect(timedOut.status).toBe(502);
      expect(Date.now() - started).toBeLessThan(8_000); // SMO_KUBE_TIMEOUT=1, not a hung request
      health = await f.health();
      expect(health.clusterSync).toMatchObject({ consecutiveFailures: 2, lastError: expect.stringContaining('no answer within 1000 ms') });
      f.rig.kube.up();

      f.rig.kube.setClusters([
        { name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '1', allocatedMemory: '0', region: 'eu', zone: 'a' },
        { name: 'c2', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', region: 'eu', zone: 'b' },
      ].map((c) => karmadaCluster(c)));
      const synced = await f.call('POST', '/clusters/sync');
      expect(synced.status).toBe(200);
      expect(synced.json<{ clusters: Array<{ name: string; available_cpu: number }> }>().clusters.map((c) => [c.name, c.available_cpu])).toEqual([
        ['c1', 3],
        ['c2', 6],
      ]);
      health = await f.health();
      expect(health.clusterSync).toMatchObject({ consecutiveFailures: 0, lastError: null });
      expect(await f.events('ClusterRegistered')).toHaveLength(registered);
    });

    it('scaling: a scale call answered 500 records ServiceScalingFailed and shows in /health; the next round scales once', async () => {
      const prometheus = await scalingPrometheus();
      f = await startFaultRig({ SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: prometheus.url });
      try {
        expect((await deploy(f)).status).toBe(200);
        for (const name of INSTALLED) f.rig.kube.setDeployment({ name, namespace: PROJECT, replicas: 1, cpuLimit: '1' });
        f.rig.kube.failNext(`/apis/apps/v1/namespaces/${PROJECT}/deployments/noise-reduction/scale`, 500, 2, 'PATCH');
        prometheus.rates['noise-reduction'] = 1; // 3 replicas

        const failure = await eventually(async () => (await f.events('ServiceScalingFailed'))[0], 20_000, 'ServiceScalingFailed');
        expect(failure.data).toMatchObject({ graphId: GRAPH, serviceId: 'noise-reduction', cluster: 'c1', from: 1, to: 3, error: expect.stringContaining('500') });
        const scaled = await eventually(async () => (await f.events('ServiceScaled'))[0], 20_000, 'ServiceScaled');
        expect(scaled.data).toMatchObject({ serviceId: 'noise-reduction', from: 1, to: 3 });
        expect(await f.events('ServiceScalingFailed')).toHaveLength(1); // two failed rounds, one outage: recorded once
        await new Promise((resolve) => setTimeout(resolve, 2500)); // two more rounds: nothing left to do
        expect(f.rig.kube.scalePatches.filter((p) => p.name === 'noise-reduction').map((p) => p.replicas)).toEqual([3]);
        expect(await f.events('ServiceScaled')).toHaveLength(1);
        expect(f.lines.some((line) => line.includes('scale call failed; retried next round'))).toBe(true);
        expect((await f.health()).scaling).toMatchObject({ consecutiveFailures: 0, lastError: null });
      } finally {
        await prometheus.stop();
      }
    });

    it('scaling: a scale call that times out changes nothing recorded; /health shows it until Karmada answers again', async () => {
      const prometheus = await scalingPrometheus();
      f = await startFaultRig({ SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: prometheus.url });
      try {
        expect((await deploy(f)).status).toBe(200);
        for (const name of INSTALLED) f.rig.kube.setDeployment({ name, namespace: PROJECT, replicas: 1, cpuLimit: '1' });
        // The scale call itself: a Karmada that answers no read either fails the round at its read of the live replicas.
        f.rig.kube.hang('PATCH');
        prometheus.rates['noise-reduction'] = 1;

        const failure = await eventually(async () => (await f.events('ServiceScalingFailed'))[0], 20_000, 'ServiceScalingFailed');
        expect(failure.data).toMatchObject({ serviceId: 'noise-reduction', to: 3, error: expect.stringContaining('no answer within 1000 ms') });
        const health = await f.health();
        expect(health.status).toBe('degraded');
        expect(health.scaling).toMatchObject({ consecutiveFailures: expect.any(Number), lastError: expect.stringContaining('noise-reduction') });
        expect(await f.events('ServiceScaled')).toHaveLength(0);
        expect((await f.graph()).status).toBe('Running'); // the API keeps answering

        f.rig.kube.up();
        const scaled = await eventually(async () => (await f.events('ServiceScaled'))[0], 20_000, 'ServiceScaled');
        expect(scaled.data).toMatchObject({ from: 1, to: 3 });
        await new Promise((resolve) => setTimeout(resolve, 2500));
        expect(await f.events('ServiceScaled')).toHaveLength(1);
        expect(f.rig.kube.getDeployment(PROJECT, 'noise-reduction')?.spec).toMatchObject({ replicas: 3 });
      } finally {
        await prometheus.stop();
      }
    });
  });

  describe('Prometheus down during scaling', () => {
    let f: FaultRig;
    afterEach(async () => f?.stop());

    it('no rate, no scaling and no crash while it is down or hanging; logged and shown in /health; scales once it answers', async () => {
      const prometheus = await scalingPrometheus();
      const proxy = await FaultProxy.start(prometheus.url);
      await proxy.down();
      f = await startFaultRig({ SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: proxy.url, PROMETHEUS_TIMEOUT: '1' });
      try {
        expect((await deploy(f)).status).toBe(200);
        for (const name of INSTALLED) f.rig.kube.setDeployment({ name, namespace: PROJECT, replicas: 1, cpuLimit: '1' });
        prometheus.rates['noise-reduction'] = 1;

        await eventually(async () => f.lines.some((line) => line.includes('request rate unavailable')), 15_000, 'the warning');
        let health = await f.health();
        expect(health.status).toBe('degraded');
        expect(health.scaling).toMatchObject({ lastError: expect.stringContaining('request rate of') });

        await proxy.hang(); // accepts and never answers: PROMETHEUS_TIMEOUT=1
        const before = f.lines.filter((line) => line.includes('request rate unavailable')).length;
        await eventually(async () => f.lines.filter((line) => line.includes('request rate unavailable')).length > before, 15_000, 'a timed-out round');
        expect(await f.events('ServiceScaled', 'ServiceScalingFailed', 'ScalingInfeasible')).toHaveLength(0);
        expect(f.rig.kube.scalePatches).toHaveLength(0);
        expect((await f.call('GET', `/graphs/${GRAPH}`)).status).toBe(200);

        await proxy.up();
        const scaled = await eventually(async () => (await f.events('ServiceScaled'))[0], 20_000, 'ServiceScaled');
        expect(scaled.data).toMatchObject({ serviceId: 'noise-reduction', from: 1, to: 3 });
        health = await eventually(async () => {
          const current = await f.health();
          return (current.scaling as { consecutiveFailures: number }).consecutiveFailures === 0 ? current : undefined;
        }, 10_000, 'scaling to recover in /health');
        expect(health.scaling).toMatchObject({ lastError: null });
        expect(f.rig.kube.scalePatches.map((p) => [p.name, p.replicas])).toEqual([['noise-reduction', 3]]);
      } finally {
        await proxy.stop();
        await prometheus.stop();
      }
    });
  });

  describe('Grafana down during a deployment', () => {
    let f: FaultRig;
    afterEach(async () => f?.stop());

    it('the deployment succeeds; DashboardFailed is recorded once per dashboard, shown on the graph and in /health; a retry publishes each dashboard once', async () => {
      f = await startFaultRig();
      const clusterDashboards = await eventually(async () => f.rig.grafana.dashboards().size === 2 && 2, 10_000, 'the cluster dashboards');
      await f.rig.idle();
      f.rig.grafana.down();

      const deployed = await deploy(f);
      expect(deployed.status).toBe(200);
      expect(deployed.text).toBe('Graph deployment successful\n');
      let graph = await f.graph();
      expect(graph.services.filter((s) => s.status === 'Deployed').map((s) => s.name)).toEqual(INSTALLED);
      expect(graph.grafana).toBeNull();

      // The runner retries the event with backoff (the releases are not touched again), then parks it.
      const parked = await eventually(async () => (await f.rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['EventParked'] } }))[0], 20_000, 'the parked event');
      expect(parked.data).toMatchObject({ runner: 'processor:deployment', eventType: 'PlacementDecided', attempts: 5, error: expect.stringContaining('Grafana refused') });
      const failed = await f.events('DashboardFailed');
      expect(failed.map((e) => e.data.serviceId)).toEqual([null, 'image-compression-vo', 'noise-reduction', 'image-detection']);
      expect(failed.every((e) => e.data.action === 'publish' && typeof e.data.error === 'string')).toBe(true);
      graph = await f.graph();
      expect(graph.dashboardFailure).toMatchObject({ action: 'publish', error: expect.any(String) });
      const health = await f.health();
      expect(health.status).toBe('degraded');
      expect((health.processing as Array<{ name: string; parkedEvents: number }>).find((r) => r.name === 'deployment')?.parkedEvents).toBe(1);
      for (const release of INSTALLED) expect(installsOf(f.rig, release)).toBe(1);
      expect(f.rig.helm.log().filter((call) => call.command === 'upgrade')).toHaveLength(0);

      f.rig.grafana.up();
      expect((await f.call('POST', `/graphs/${GRAPH}/retry`)).status).toBe(200);
      graph = await eventually(async () => {
        const current = await f.graph();
        return current.grafana && current.services.every((s) => s.grafana) ? current : undefined;
      }, 15_000, 'the dashboards');
      expect(graph.dashboardFailure).toBeNull();
      const dashboards = [...f.rig.grafana.dashboards().values()];
      expect(dashboards).toHaveLength(clusterDashboards + 4);
      expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
      expect(dashboards.every((d) => d.version === 1)).toBe(true); // each published once
      expect(await f.events('DashboardPublished')).toHaveLength(4);
      for (const release of INSTALLED) expect(installsOf(f.rig, release)).toBe(1);
      // Nothing left to retry.
      expect((await f.call('POST', `/graphs/${GRAPH}/retry`)).status).toBe(409);
    });

    it('a short outage is absorbed by the runner retries: dashboards published, the failure recorded once', async () => {
      f = await startFaultRig();
      await eventually(async () => f.rig.grafana.dashboards().size === 2, 10_000, 'the cluster dashboards');
      await f.rig.idle();
      f.rig.grafana.failNext(503, 2, { message: 'Grafana is restarting' });
      expect((await deploy(f)).status).toBe(200);
      const graph = await eventually(async () => {
        const current = await f.graph();
        return current.grafana && current.services.every((s) => s.grafana) ? current : undefined;
      }, 15_000, 'the dashboards');
      expect(graph.dashboardFailure).toBeNull();
      const failed = await f.events('DashboardFailed');
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(failed.length).toBeLessThanOrEqual(2);
      expect(failed[0]!.data).toMatchObject({ action: 'publish', status: 503 });
      expect(await f.rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['EventParked'] } })).toHaveLength(0);
      expect(await f.events('DashboardPublished')).toHaveLength(4);
    });

    it('the alerts webhook token is never logged, even when sent as ?token=', async () => {
      f = await startFaultRig();
      const webhook = { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'smo', alerts: [] };
      expect((await f.call('POST', `/alerts?token=${ALERTS_TOKEN}`, { body: webhook, apiToken: false })).status).toBe(200);
      expect((await f.call('POST', `/alerts?token=${ALERTS_TOKEN}`, { body: { version: '3' }, apiToken: false })).status).toBe(400);
      expect((await f.call('POST', '/alerts?token=wrong-token', { body: webhook, apiToken: false })).status).toBe(401);
      expect((await f.call('POST', '/alerts', { body: webhook, headers: { authorization: `Bearer ${ALERTS_TOKEN}` } })).status).toBe(200);
      expect(f.lines.some((line) => line.includes('/alerts'))).toBe(true);
    });
  });

  describe('NFVCL down', () => {
    let nfvcl: RunningFakeNfvcl;
    let proxy: FaultProxy;
    let smo: RunningApp;
    let lines: string[];
    let call: ReturnType<typeof client>;

    beforeEach(async () => {
      nfvcl = await FakeNfvcl.start({ api: 'current', pollsUntilReady: 3 });
      proxy = await FaultProxy.start(nfvcl.url);
      const capture = captureLogs();
      lines = capture.lines;
      smo = await startApp(
        { ...COMMON_ENV, NFVCL_BASE_URL: proxy.url, NFVCL_TIMEOUT: '1', NFVCL_POLL_INTERVAL_MS: '50', NFVCL_PROVISION_TIMEOUT: '60', SMO_CLUSTER_SYNC_INTERVAL: '3600' },
        { logger: capture.logger },
      );
      call = client(() => smo.url);
    });
    afterEach(async () => {
      scanSmo(smo, lines);
      await smo.close();
      await proxy.stop();
      await nfvcl.stop();
    });

    const vim = {
      topology: 'nephele-topology',
      pop_area: 0,
      vim_name: 'os-brussels',
      vim_tenant_name: 'nephele',
      vim_user: 'admin',
      vim_password: VIM_PASSWORD,
      vim_url: 'http://10.0.0.10:5000/v3',
      mgmt_network: { name: 'mgmt-net', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
      service_network: { name: 'service-net', cidr: '192.168.20.0/24', gateway: '192.168.20.1' },
      use_floating_ip: true,
    };
    const vimEvents = async () => smo.runtime.eventStore.readAll({ filter: { streamCategories: ['vim'] } });

    it('down (503), hanging (504) or failing (502): nothing recorded as done; once it answers, the VIM is registered once', async () => {
      await proxy.down();
      const down = await call('POST', '/vims/smo_vims', { body: vim, headers: { 'idempotency-key': 'register-brussels-1' } });
      expect(down.status).toBe(503);
      expect(down.json()).toMatchObject({ status: 503, nfvcl: { kind: 'unreachable' } });

      await proxy.hang();
      const hanging = await call('POST', '/vims/smo_vims', { body: vim, headers: { 'idempotency-key': 'register-brussels-1' } });
      expect(hanging.status).toBe(504);

      await proxy.up();
      nfvcl.failNextAt('POST', '/v1/topology', 500, { detail: 'Internal Server Error' });
      const failing = await call('POST', '/vims/smo_vims', { body: vim, headers: { 'idempotency-key': 'register-brussels-1' } });
      expect(failing.status).toBe(502);

      expect(await vimEvents()).toHaveLength(0);
      expect((await call('GET', '/vims/smo_vims')).json()).toBe('No Registered VIMs (or check pop_area)');
      expect(nfvcl.topology()).toBeNull(); // the 500 applied nothing

      const registered = await call('POST', '/vims/smo_vims', { body: vim, headers: { 'idempotency-key': 'register-brussels-1' } });
      expect(registered.status).toBe(201);
      const again = await call('POST', '/vims/smo_vims', { body: vim, headers: { 'idempotency-key': 'register-brussels-1' } });
      expect(again.status).toBe(201);
      expect(again.json<{ vim: { id: number } }>().vim.id).toBe(registered.json<{ vim: { id: number } }>().vim.id);
      expect(nfvcl.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/v1/topology') && r.status === 200)).toHaveLength(1);
      expect((await vimEvents()).map((e) => e.type)).toEqual(['VimRegistered']);
    });

    it('a cluster being provisioned while NFVCL goes down stays Provisioning (no failure invented, no second blueprint) and completes once it is back', async () => {
      expect((await call('POST', '/vims/smo_vims', { body: vim })).status).toBe(201);
      await proxy.down();
      const refused = await call('POST', '/os_k8s/clusters', { body: { pop_area: 0, vim_name: 'os-brussels' } });
      expect(refused.status).toBe(503);
      expect((await call('GET', '/os_k8s/clusters')).json()).toBe('No Registered OS_K8S Clusters');

      await proxy.up();
      const created = await call('POST', '/os_k8s/clusters', { body: { pop_area: 0, vim_name: 'os-brussels' } });
      expect(created.status).toBe(201);
      const smoId = created.json<{ smo_id: string }>().smo_id;
      await proxy.down(); // the provisioning processor's polls now fail
      await eventually(async () => lines.filter((line) => line.includes(smoId) || line.includes('NFVCL')).length > 0, 10_000, 'a failed poll');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await call('GET', `/os_k8s/cluster/${smoId}`)).json()).toMatchObject({ status: 'Provisioning', failure: null });

      await proxy.up();
      await eventually(async () => (await call('GET', `/os_k8s/cluster/${smoId}`)).json<{ status: string }>().status === 'Provisioned', 20_000, 'Provisioned');
      expect(nfvcl.blueprints().size).toBe(1);
      expect(nfvcl.requests().filter((r) => r.method === 'POST' && r.path === '/nfvcl/v2/api/blue/k8s')).toHaveLength(1);
    });
  });

  it('no canary secret in any data file, table row, log line or response body', () => {
    expect(scanned.files).toBeGreaterThan(0);
    expect(scanned.rows).toBeGreaterThan(0);
    expect(scanned.logLines).toBeGreaterThan(0);
    expect(scanned.bodies).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});


/** A fake Prometheus answering upstream's PromQL from `rates`, behind the scenes of each scaling test. */
async function scalingPrometheus(): Promise<{ url: string; rates: Record<string, number>; stop(): Promise<void> }> {
  const prometheus = new FakePrometheus();
  const url = await prometheus.start();
  const rates: Record<string, number> = {};
  prometheus.answer((query) => {
    const service = /service="([^"]+)"/.exec(query)?.[1] ?? '';
    return vectorReply(rates[service] === undefined ? [] : [{ labels: { service }, value: String(rates[service]) }]);
  });
  return { url, rates, stop: () => prometheus.stop() };
}
