import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphCommands } from '../application/graph-commands';
import type { CommandContext } from '../application/command-handler';
import { graphStream } from '../domain/graph/events';
import { HelmCliAdapter } from '../integrations/helm/helm-cli.adapter';
import { SimulatedHelmAdapter, readSimulatedReleases } from '../integrations/helm/simulated-helm.adapter';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { sqliteStores } from '../../test/support/stores';
import { silentServer, tokenKubeconfig, type SilentServer } from '../../test/fakes/silent-server';
import { FakeGrafana, type RunningFakeGrafana } from '../../test/fakes/grafana/fake-grafana';
import { GrafanaHttpAdapter } from '../integrations/grafana/grafana-http.adapter';
import type { GrafanaPort } from '../integrations/grafana/grafana.port';
import { DeploymentProcessor } from './deployment.processor';
import type { HelmChartRequest, HelmPort } from '../integrations/helm/helm.port';

/** The demo graph (in `project`) submitted as `graphId` (with its services in `serviceIds`, or all), every service placed on c1. */
async function submitPlacedOnC1(graphs: GraphCommands, graphId: string, serviceIds?: readonly string[], project = 'demo'): Promise<void> {
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  const submitted = graphSubmitted(project);
  const normalised = { ...submitted.data.normalised, services: submitted.data.normalised.services.filter((s) => serviceIds?.includes(s.id) ?? true) };
  const ids = normalised.services.map((s) => s.id);
  await graphs.execute({ type: 'SubmitGraph', data: { ...submitted.data, graphId, normalised } }, context());
  await graphs.execute(
    {
      type: 'RecordPlacement',
      data: {
        graphId, decisionId: 'p1', reason: 'first-deploy', algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs: 1,
        inputs: { clusters: [], services: [], previousPlacement: null }, placement: Object.fromEntries(ids.map((id) => [id, 'c1'])), imports: {},
        values: Object.fromEntries(ids.map((id) => [id, { clustersAffinity: ['c1'], serviceImportClusters: [] }])), digests: Object.fromEntries(ids.map((id) => [id, `d-${id}`])), explanation: [],
      },
    } as never,
    context(),
  );
}

const HELM = process.env.SMO_TEST_HELM ?? '/var/cache/smo-tools/helm-v3.22.0/helm';

/**
 * Real helm v3.22.0 against a Karmada kubeconfig whose credential plugin is not installed (or whose
 * current-context is wrong): helm never reaches the API server, yet its error says "... not found".
 */
(existsSync(HELM) ? describe : describe.skip)('DeploymentProcessor: an uninstall that never reached the cluster', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-kc-'));
  const kubeconfig = join(dir, 'karmada.kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1', 'kind: Config',
      'clusters: [{name: k, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: smo-test-missing-plugin, interactiveMode: Never}}}]',
      'contexts: [{name: c, context: {cluster: k, user: u}}]', 'current-context: c', '',
    ].join('\n'),
  );
  const graphs = new GraphCommands(stores.eventStore);
  const helm = new HelmCliAdapter({ binary: HELM, kubeconfig, plainHttp: false, timeoutMs: 30_000 });
  const processor = new DeploymentProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), helm, grafana: null });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  afterAll(async () => {
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is recorded as ServiceUninstallFailed, not ServiceUninstalled (its stderr says "not found" about the plugin)', async () => {
    const submitted = graphSubmitted('demo');
    const graphId = submitted.data.graphId;
    const auto = submitted.data.normalised.services.find((s) => s.trigger.kind === 'auto')!;
    await graphs.execute({ type: 'SubmitGraph', data: submitted.data }, context());
    // The service runs (installed earlier, when the credential plugin was still there).
    await graphs.execute(
      { type: 'RecordServiceOutcome', event: { type: 'ServiceDeployed', data: { graphId, serviceId: auto.id, action: 'install', cluster: 'c1', namespace: 'demo', chart: auto.artifact.ref, values: {}, valuesDigest: 'd', command: [] } } },
      context(),
    );
    await graphs.execute({ type: 'StopGraph', data: { graphId } }, context());
    const stopped = (await stores.eventStore.readStream(graphStream(graphId))).at(-1)!;
    // Thrown after recording: the runner retries the event with backoff, then parks it.
    await expect(processor.handle(stopped, { signal: new AbortController().signal, fence: async () => undefined })).rejects.toThrow(/could not uninstall 1 release/);

    const outcome = (await stores.eventStore.readStream(graphStream(graphId))).filter((e) => e.type.startsWith('ServiceUninstall')).map((e) => [e.type, (e.data as { stderr?: string }).stderr ?? null]);
    expect(outcome.map(([type]) => type)).toEqual(['ServiceUninstallFailed']);
  }, 60_000);
});

describe('DeploymentProcessor: adopting a release SMO did not record', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-sim-'));
  const graphs = new GraphCommands(stores.eventStore);
  const helm = new SimulatedHelmAdapter({ dir });
  const processor = new DeploymentProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), helm, grafana: null });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  afterAll(async () => {
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Submits the demo graph in project demo, placed on c1, and runs the deployment processor on the placement. */
  async function deployDemo(graphId: string) {
    await submitPlacedOnC1(graphs, graphId);
    await handleLast(graphId);
  }
  async function handleLast(graphId: string) {
    const last = (await stores.eventStore.readStream(graphStream(graphId))).at(-1)!;
    await processor.handle(last, { signal: new AbortController().signal, fence: async () => undefined });
  }
  const recordedFor = async (graphId: string, serviceId: string) =>
    (await stores.eventStore.readStream(graphStream(graphId))).filter((e) => (e.data as { serviceId?: string }).serviceId === serviceId).map((e) => ({ type: e.type, ...(e.data as { action?: string; values?: unknown; stderr?: string }) }));
  const releaseOf = async (release: string) => (await readSimulatedReleases(dir)).find((r) => r.release === release && r.namespace === 'demo');

  it("adopts the graph's own release that an install finished after a crash left unrecorded: exactly the values SMO records as deployed", async () => {
    // The install ran (with the graph's label) but SMO died before recording it; the values are not what SMO records now.
    await helm.install({ release: 'noise-reduction', chart: 'oci://10.0.3.53:5000/test/noise-reduction', namespace: 'demo', values: { clustersAffinity: ['c2'], debug: { shell: true, hostPath: '/' } }, graphId: 'own-graph' });
    await deployDemo('own-graph');

    const recorded = (await recordedFor('own-graph', 'noise-reduction')).filter((e) => e.type === 'ServiceDeployed');
    // --reset-values: nothing of the earlier values is merged into what SMO records as deployed.
    expect(recorded.map((d) => d.action)).toEqual(['adopt', 'upgrade']);
    expect((await releaseOf('noise-reduction'))!.values).toEqual(recorded.at(-1)!.values);
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'own-graph' } }, context());
    await handleLast('own-graph');
    expect(await releaseOf('noise-reduction')).toBeUndefined();
  });

  it("neither takes over nor uninstalls a release of the same name it did not install (another team's, or another graph's)", async () => {
    const foreign = { clustersAffinity: ['c9'], image: { repository: 'team-b/db' } };
    await helm.install({ release: 'image-detection', chart: 'oci://registry.example/team-b/db', namespace: 'demo', values: foreign, graphId: 'team-b-graph' });
    await deployDemo('new-graph');

    const outcome = await recordedFor('new-graph', 'image-detection');
    expect(outcome.filter((e) => e.type.startsWith('Service'))).toEqual([
      expect.objectContaining({ type: 'ServiceDeploymentFailed', action: 'install', stderr: expect.stringContaining('was not installed by graph new-graph') }),
    ]);
    const release = (await releaseOf('image-detection'))!;
    expect({ values: release.values, revision: release.revision, chart: release.chart }).toEqual({ values: foreign, revision: 1, chart: 'oci://registry.example/team-b/db' });
    // The graph's other services are deployed as usual.
    expect((await recordedFor('new-graph', 'noise-reduction')).map((e) => e.type)).toContain('ServiceDeployed');

    // Removing the graph uninstalls its own releases, and leaves the other one as it is.
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'new-graph' } }, context());
    await handleLast('new-graph');
    expect((await recordedFor('new-graph', 'image-detection')).at(-1)).toMatchObject({ type: 'ServiceUninstalled', command: [] });
    expect((await releaseOf('image-detection'))!.values).toEqual(foreign);
    expect(await releaseOf('noise-reduction')).toBeUndefined();
  });
});

describe('DeploymentProcessor: a graph stopped or removed while its releases are installed', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-stop-'));
  const graphs = new GraphCommands(stores.eventStore);
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  afterAll(async () => {
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['StopGraph', 'RemoveGraph'] as const)('%s during the install pass: no release is installed after it, and its handling uninstalls those that were', async (command) => {
    const graphId = `while-${command.toLowerCase()}`;
    const project = `p-${command.toLowerCase()}`;
    const simulated = new SimulatedHelmAdapter({ dir });
    const installs: string[] = [];
    // helm is the boundary: the user's stop arrives while its first install runs (one release at a time here).
    const helm: HelmPort = Object.assign(Object.create(simulated) as HelmPort, {
      install: async (request: HelmChartRequest) => {
        installs.push(request.release);
        if (installs.length === 1) await graphs.execute({ type: command, data: { graphId } }, context());
        return simulated.install(request);
      },
    });
    const processor = new DeploymentProcessor({ graphs, dispatch: (cmd, ctx) => graphs.execute(cmd, ctx), helm, grafana: null, concurrency: 1 });
    await submitPlacedOnC1(graphs, graphId, undefined, project);
    const handleAt = async (type: string) => {
      const event = (await stores.eventStore.readStream(graphStream(graphId))).findLast((e) => e.type === type)!;
      await processor.handle(event, { signal: new AbortController().signal, fence: async () => undefined });
    };
    const auto = graphSubmitted(project).data.normalised.services.filter((s) => s.trigger.kind === 'auto');
    expect(auto.length).toBeGreaterThan(1);

    await handleAt('PlacementDecided');
    expect(installs).toHaveLength(1);
    const types = (await stores.eventStore.readStream(graphStream(graphId))).map((e) => e.type);
    const stop = command === 'StopGraph' ? 'GraphStopped' : 'GraphRemoved';
    expect(types.slice(types.indexOf(stop))).toEqual([stop, 'ServiceDeployed']);

    await handleAt(stop);
    expect(installs).toHaveLength(1);
    expect((await readSimulatedReleases(dir)).filter((release) => release.namespace === project)).toEqual([]);
    const after = (await stores.eventStore.readStream(graphStream(graphId))).map((e) => e.type);
    expect(after.filter((type) => type === 'ServiceUninstalled')).toHaveLength(auto.length);
  });
});

/**
 * Real helm v3.22.0 against a Karmada API server that accepts connections and never answers (a real loopback
 * socket): helm has no request timeout, so only SMO's deadline ends its status query. That deadline is the
 * query one (seconds), not the install one (SMO_HELM_TIMEOUT and its grace, 330 s by default), and the failure
 * is thrown (the runner retries the event with backoff), naming the deadline and no credential.
 */
(existsSync(HELM) ? describe : describe.skip)('DeploymentProcessor: a Karmada API server that accepts connections and never answers', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-silent-'));
  const token = 'silent-karmada-secret-token';
  let silent: SilentServer;
  const graphs = new GraphCommands(stores.eventStore);
  beforeAll(async () => {
    silent = await silentServer();
    // http: over https Go's client gives up a TLS handshake that never completes after 10 s; a server that completes
    // it and then never answers holds helm as this one does.
    writeFileSync(join(dir, 'karmada.kubeconfig'), tokenKubeconfig(`http://127.0.0.1:${silent.port}`, token));
  });
  afterAll(async () => {
    await silent.close();
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a placed graph fails its step within the helm query deadline, retryably, with a message naming it and no token', async () => {
    const helm = new HelmCliAdapter({ binary: HELM, kubeconfig: join(dir, 'karmada.kubeconfig'), plainHttp: false, timeoutMs: 60_000, queryTimeoutMs: 2_000 });
    const processor = new DeploymentProcessor({ graphs, dispatch: (command, ctx) => graphs.execute(command, ctx), helm, grafana: null });
    const graphId = graphSubmitted('demo').data.graphId;
    await submitPlacedOnC1(graphs, graphId);
    const placed = (await stores.eventStore.readStream(graphStream(graphId))).at(-1)!;

    const started = Date.now();
    const failure: unknown = await processor.handle(placed, { signal: new AbortController().signal, fence: async () => undefined }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/could not read the state of release [a-z-]+ in demo: helm status did not finish within 2 s/);
    expect((failure as Error).message).not.toContain(token);
    expect(silent.accepted()).toBeGreaterThan(0);
    // Nothing recorded as failed: the event is retried (an explicit retry is needed only after a recorded failure).
    expect((await stores.eventStore.readStream(graphStream(graphId))).filter((e) => e.type.endsWith('Failed')).map((e) => e.type)).toEqual([]);
  }, 60_000);
});

describe('DeploymentProcessor: a Grafana that does not answer', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-grafana-'));
  const graphs = new GraphCommands(stores.eventStore);
  let grafana: RunningFakeGrafana;
  beforeAll(async () => (grafana = await FakeGrafana.start()));
  afterAll(async () => {
    await grafana.stop();
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is waited for once per attempt, not once per dashboard: the processor serves every graph', async () => {
    const adapter = new GrafanaHttpAdapter({ baseUrl: grafana.url, username: 'admin', password: 'admin', timeoutMs: 200 });
    let calls = 0;
    const counted: GrafanaPort = {
      publishGraphDashboard: (...args) => (calls++, adapter.publishGraphDashboard(...args)),
      publishServiceDashboard: (...args) => (calls++, adapter.publishServiceDashboard(...args)),
      publishClusterDashboard: (...args) => (calls++, adapter.publishClusterDashboard(...args)),
      deleteDashboard: (...args) => (calls++, adapter.deleteDashboard(...args)),
      deleteOwnedDashboard: (...args) => (calls++, adapter.deleteOwnedDashboard(...args)),
      ownedDashboards: (...args) => (calls++, adapter.ownedDashboards(...args)),
    };
    const processor = new DeploymentProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), helm: new SimulatedHelmAdapter({ dir }), grafana: counted });
    await submitPlacedOnC1(graphs, 'hung-grafana');
    const placed = (await stores.eventStore.readStream(graphStream('hung-grafana'))).at(-1)!;
    grafana.delayNext(1_000, 10);
    await expect(processor.handle(placed, { signal: new AbortController().signal, fence: async () => undefined })).rejects.toThrow(/Grafana refused 1 dashboard/);
    expect(calls).toBe(1);
    const failed = (await stores.eventStore.readStream(graphStream('hung-grafana'))).filter((e) => e.type === 'DashboardFailed');
    expect(failed.map((e) => e.data)).toEqual([expect.objectContaining({ serviceId: null, action: 'publish', status: null, error: expect.stringContaining('did not answer') })]);
  }, 30_000);
});

describe('DeploymentProcessor: the dashboards of a removed graph', () => {
  const stores = sqliteStores();
  const dir = mkdtempSync(join(tmpdir(), 'smo-deploy-dashboards-'));
  const graphs = new GraphCommands(stores.eventStore);
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  const signal = { signal: new AbortController().signal, fence: async () => undefined };
  let grafana: RunningFakeGrafana;
  let processor: DeploymentProcessor;
  beforeAll(async () => {
    grafana = await FakeGrafana.start();
    const adapter = new GrafanaHttpAdapter({ baseUrl: grafana.url, username: 'admin', password: 'admin', timeoutMs: 5_000 });
    processor = new DeploymentProcessor({ graphs, dispatch: (command, ctx) => graphs.execute(command, ctx), helm: new SimulatedHelmAdapter({ dir }), grafana: adapter });
  });
  afterAll(async () => {
    await grafana.stop();
    await stores.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const events = (graphId: string) => stores.eventStore.readStream(graphStream(graphId));
  const handleLast = async (graphId: string, type?: string) => processor.handle((await events(graphId)).filter((e) => type === undefined || e.type === type).at(-1)!, signal);

  it("are the removed submission's, though the graph was submitted again with fewer services before the processor got to GraphRemoved", async () => {
    await submitPlacedOnC1(graphs, 'dash-again');
    await handleLast('dash-again');
    expect([...grafana.dashboards().keys()].sort()).toEqual(['dash-again', 'demo_image-compression-vo', 'demo_image-detection', 'demo_noise-reduction']);
    await graphs.execute({ type: 'StopGraph', data: { graphId: 'dash-again' } }, context());
    await handleLast('dash-again');
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'dash-again' } }, context());
    // Submitted again with one service before the processor (behind) handled the removal.
    await submitPlacedOnC1(graphs, 'dash-again', ['noise-reduction']);

    await handleLast('dash-again', 'GraphRemoved');
    await handleLast('dash-again', 'PlacementDecided');
    expect([...grafana.dashboards().keys()].sort()).toEqual(['dash-again', 'demo_noise-reduction']);
    const { state } = await graphs.load('dash-again');
    // The new submission's own dashboards are recorded; the removed one's removal is not recorded on it.
    expect(state.kind === 'exists' && [state.dashboard?.uid, ...state.services.map((s) => s.dashboard?.uid)]).toEqual(['dash-again', 'demo_noise-reduction']);
  }, 30_000);

  it("leave a dashboard another graph published since under the same uid: a parked removal re-driven after another graph took the service's id", async () => {
    const inShop = () => [...grafana.dashboards().keys()].filter((uid) => uid.startsWith('shop_') || uid.startsWith('dash-shop-')).sort();
    await submitPlacedOnC1(graphs, 'dash-shop-old', undefined, 'shop');
    await handleLast('dash-shop-old');
    await graphs.execute({ type: 'StopGraph', data: { graphId: 'dash-shop-old' } }, context());
    await handleLast('dash-shop-old');
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'dash-shop-old' } }, context());
    // Grafana is down while the removal is handled: the event is retried, then parked.
    grafana.down();
    await expect(handleLast('dash-shop-old', 'GraphRemoved')).rejects.toThrow(/Grafana refused \d+ dashboard/);
    grafana.up();
    // Another graph of the project takes the service id noise-reduction (its release name is free) and publishes its dashboard.
    await submitPlacedOnC1(graphs, 'dash-shop-new', ['noise-reduction'], 'shop');
    await handleLast('dash-shop-new');
    expect(inShop()).toEqual(['dash-shop-new', 'dash-shop-old', 'shop_image-compression-vo', 'shop_image-detection', 'shop_noise-reduction']);

    // The parked removal, re-driven (POST /admin/processors/deployment/parked/retry).
    await handleLast('dash-shop-old', 'GraphRemoved');
    expect(inShop()).toEqual(['dash-shop-new', 'shop_noise-reduction']);
    expect(grafana.dashboards().get('shop_noise-reduction')!.dashboard).toMatchObject({ title: 'noise-reduction (shop)' });
    const { state } = await graphs.load('dash-shop-new');
    expect(state.kind === 'exists' && state.services.map((s) => s.dashboard?.uid)).toEqual(['shop_noise-reduction']);
  }, 30_000);

  it('leave those of the same graph submitted again since: a parked removal re-driven after the resubmission published', async () => {
    const inOps = () => [...grafana.dashboards().keys()].filter((uid) => uid.startsWith('ops_') || uid === 'dash-ops').sort();
    await submitPlacedOnC1(graphs, 'dash-ops', undefined, 'ops');
    await handleLast('dash-ops');
    await graphs.execute({ type: 'StopGraph', data: { graphId: 'dash-ops' } }, context());
    await handleLast('dash-ops');
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'dash-ops' } }, context());
    grafana.down();
    await expect(handleLast('dash-ops', 'GraphRemoved')).rejects.toThrow(/Grafana refused \d+ dashboard/);
    grafana.up();
    await submitPlacedOnC1(graphs, 'dash-ops', ['noise-reduction'], 'ops');
    await handleLast('dash-ops', 'PlacementDecided');

    await handleLast('dash-ops', 'GraphRemoved');
    expect(inOps()).toEqual(['dash-ops', 'ops_noise-reduction']);
    const { state } = await graphs.load('dash-ops');
    expect(state.kind === 'exists' && [state.dashboard?.uid, ...state.services.map((s) => s.dashboard?.uid)]).toEqual(['dash-ops', 'ops_noise-reduction']);
  }, 30_000);

  it('say whether a later event did what a parked one was for: a removal parked before the graph was submitted again is not superseded by the new submission', async () => {
    const parkedAs = (event: { id: string; type: string; streamId: string; position: number }) => ({ eventId: event.id, eventType: event.type, streamId: event.streamId, position: event.position, attempts: 5, error: 'x', parkedAt: '', parkedRevision: 0 });
    const last = async (graphId: string, type: string) => (await events(graphId)).filter((e) => e.type === type).at(-1)!;
    await submitPlacedOnC1(graphs, 'dash-later', undefined, 'later');
    const placed = await last('dash-later', 'PlacementDecided');
    await handleLast('dash-later');
    await graphs.execute({ type: 'StopGraph', data: { graphId: 'dash-later' } }, context());
    const stopped = await last('dash-later', 'GraphStopped');
    await handleLast('dash-later');
    // Any later event converges a running or stopped graph: a parked placement is done by the stop's handling.
    expect(await processor.supersedesParked(parkedAs(placed), stopped)).toBe(true);
    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'dash-later' } }, context());
    const removed = await last('dash-later', 'GraphRemoved');
    // (A retry of the removed submission does what its parked removal was for: graph-lifecycle.e2e, DELETE again.)
    await submitPlacedOnC1(graphs, 'dash-later', ['noise-reduction'], 'later');
    const placedAgain = await last('dash-later', 'PlacementDecided');
    // The new submission's handling knows nothing of the removed one's dashboards.
    expect(await processor.supersedesParked(parkedAs(removed), placedAgain)).toBe(false);
  }, 30_000);

  it('include one published but never recorded (its record failed, or SMO stopped between the two): found by its owner tag', async () => {
    const inLab = () => [...grafana.dashboards().keys()].filter((uid) => uid.startsWith('lab_') || uid === 'dash-lab').sort();
    const adapter = new GrafanaHttpAdapter({ baseUrl: grafana.url, username: 'admin', password: 'admin', timeoutMs: 5_000 });
    // The store refuses the record of image-detection's dashboard, once published (the event is then retried, and parked).
    const crashing = new DeploymentProcessor({
      graphs,
      dispatch: async (command, ctx) => {
        const event = 'event' in command ? command.event : null;
        if (event?.type === 'DashboardPublished' && event.data.serviceId === 'image-detection') throw new Error('event store unavailable');
        return graphs.execute(command, ctx);
      },
      helm: new SimulatedHelmAdapter({ dir }),
      grafana: adapter,
    });
    await submitPlacedOnC1(graphs, 'dash-lab', undefined, 'lab');
    await expect(crashing.handle((await events('dash-lab')).at(-1)!, signal)).rejects.toThrow(/event store unavailable/);
    expect(inLab()).toEqual(['dash-lab', 'lab_image-compression-vo', 'lab_image-detection', 'lab_noise-reduction']);
    const { state } = await graphs.load('dash-lab');
    expect(state.kind === 'exists' && state.services.map((s) => s.dashboard?.uid ?? null)).toEqual(['lab_image-compression-vo', 'lab_noise-reduction', null]);

    await graphs.execute({ type: 'RemoveGraph', data: { graphId: 'dash-lab' } }, context());
    const searches = () => grafana.requests().filter((r) => r.path === '/api/search').length;
    const searchesBefore = searches();
    await handleLast('dash-lab', 'GraphRemoved');
    expect(inLab()).toEqual([]);
    const removed = (await events('dash-lab')).filter((e) => e.type === 'DashboardRemoved').map((e) => (e.data as { serviceId: string | null }).serviceId);
    expect(removed.sort()).toEqual(['image-compression-vo', 'image-detection', 'noise-reduction', null].sort());
    // One search for the removal.
    expect(searches() - searchesBefore).toBe(1);
  }, 30_000);
});
