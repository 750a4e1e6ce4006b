import { currentClaims } from '../../src/domain/release-names/decide';
import { valuesOf } from '../fakes/helm/fake-helm';
import { karmadaCluster, type KarmadaClusterInput } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const GRAPH = 'image-detection-graph';

/** argv with the private values file path shown as <values>, to compare exact lists. */
const argvOf = (call: { argv: string[] }) => call.argv.map((arg, i) => (call.argv[i - 1] === '--values' ? '<values>' : arg));
/** A graph's releases are reconciled in parallel (SMO_HELM_CONCURRENCY): their order is not part of the contract. */
const byRelease = <T extends { release: string | null }>(calls: T[]) => [...calls].sort((a, b) => (a.release ?? '').localeCompare(b.release ?? ''));

describe('graph lifecycle over HTTP (upstream tests/routes/test_graph.py)', () => {
  let rig: OrchestratorRig;
  let kubeconfig: string;
  beforeAll(async () => {
    rig = await startRig();
    kubeconfig = rig.kubeApi.kubeconfigPath;
  });
  afterAll(async () => rig.stop());

  it('deploy → get → stop → start → delete → 404, with the exact helm commands', async () => {
    // Upstream's form: a JSON-encoded string holding the YAML descriptor.
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: JSON.stringify(descriptorText()), contentType: 'application/json' });
    expect(deploy.status).toBe(200);
    expect(await deploy.text()).toBe('Graph deployment successful\n');

    const installs = byRelease(rig.helmCalls('install'));
    expect(installs.map(argvOf)).toEqual(
      ['image-detection', 'noise-reduction'].map((service) => [
        'install', service, `oci://10.0.3.53:5000/test/${service}`, '--values', '<values>', '--namespace', 'demo', '--create-namespace', '--labels', 'smo.nephele.eu/graph=image-detection-graph', '--kubeconfig', kubeconfig, '--timeout', '300s',
      ]),
    );
    // First fit by name: c1 (4 cores) takes all three services; imports follow connectionPoints.
    expect(valuesOf(installs[0]!)).toEqual({ clustersAffinity: ['c1'], serviceImportClusters: ['c1'] });
    expect(valuesOf(installs[1]!)).toEqual({ clustersAffinity: ['c1'], serviceImportClusters: ['c1'] });

    await rig.idle();
    const get = await rig.request('GET', `/graphs/${GRAPH}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    const graph = (await get.json()) as { name: string; project: string; status: string; services: Array<{ name: string; status: string; cluster_affinity: string; values_overwrite: unknown; grafana: string | null }>; grafana: string };
    expect(graph).toMatchObject({ name: GRAPH, project: 'demo', status: 'Running', placement: { 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' } });
    expect(graph.services.map((s) => [s.name, s.status, s.cluster_affinity])).toEqual([
      ['image-compression-vo', 'Pending', 'c1'],
      ['noise-reduction', 'Deployed', 'c1'],
      ['image-detection', 'Deployed', 'c1'],
    ]);
    expect(graph.services[0]!.values_overwrite).toEqual({ voDescriptorOverwrite: {}, voChartOverwrite: { clustersAffinity: ['c1'], serviceImportClusters: [] } });
    expect(graph.grafana).toBe(`${rig.grafana.url}/d/${GRAPH}/${GRAPH}`);
    // A service's dashboard is its project's own (`<project>_<service>`): a service id is unique only within a project.
    expect([...rig.grafana.dashboards().keys()].sort()).toEqual([GRAPH, 'demo_image-compression-vo', 'demo_image-detection', 'demo_noise-reduction', 'cluster__c1', 'cluster__c2'].sort());

    const stop = await rig.request('GET', `/graphs/${GRAPH}/stop`);
    expect([stop.status, await stop.text()]).toEqual([200, 'Graph stopped\n']);
    expect(byRelease(rig.helmCalls('uninstall')).map(argvOf)).toEqual(
      ['image-detection', 'noise-reduction'].map((service) => ['uninstall', service, '--namespace', 'demo', '--kubeconfig', kubeconfig, '--wait', '--timeout', '300s']),
    );
    expect((await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as object).toMatchObject({
      status: 'Stopped',
      services: [{ status: 'Not deployed' }, { status: 'Not deployed' }, { status: 'Not deployed' }],
    });

    // B4: start says it started; B5: it reinstalls what stop removed.
    const start = await rig.request('GET', `/graphs/${GRAPH}/start`);
    expect([start.status, await start.text()]).toEqual([200, 'Graph started\n']);
    expect(byRelease(rig.helmCalls('install')).map((call) => call.release)).toEqual(['image-detection', 'image-detection', 'noise-reduction', 'noise-reduction']);

    const remove = await rig.request('DELETE', `/graphs/${GRAPH}`);
    expect([remove.status, await remove.text()]).toEqual([200, 'Removal successful\n']);
    expect(rig.helmCalls('uninstall')).toHaveLength(4);
    await rig.idle();
    // B28: the graph's dashboards are deleted with it (the clusters' stay).
    expect([...rig.grafana.dashboards().keys()].sort()).toEqual(['cluster__c1', 'cluster__c2']);

    const gone = await rig.request('GET', `/graphs/${GRAPH}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(await gone.json()).toMatchObject({ detail: `Graph with name ${GRAPH} not found` });
    expect(rig.helm.state()).toEqual({});
  });

  it("removing a graph leaves another project's dashboards of services with the same ids", async () => {
    for (const [project, graphId] of [['team-a', 'graph-a'], ['team-b', 'graph-b']] as const) {
      const response = await rig.request('POST', `/project/${project}/graphs`, { body: descriptorText().replaceAll(GRAPH, graphId), contentType: 'application/yaml' });
      expect(response.status).toBe(200);
    }
    await rig.idle();
    expect((await rig.request('DELETE', '/graphs/graph-a')).status).toBe(200);
    await rig.idle();
    expect([...rig.grafana.dashboards().keys()].sort()).toEqual(['cluster__c1', 'cluster__c2', 'graph-b', 'team-b_image-compression-vo', 'team-b_image-detection', 'team-b_noise-reduction']);
    expect((await rig.request('DELETE', '/graphs/graph-b')).status).toBe(200);
    await rig.idle();
  });

  it("a graph named like a cluster neither takes the cluster's dashboard nor deletes it when removed", async () => {
    const clusterDashboard = () => [...rig.grafana.dashboards().values()].find((d) => d.title === 'c1' && JSON.stringify(d.dashboard).includes('source=\\"c1\\"'));
    const before = await eventually(async () => clusterDashboard(), 10_000, "c1's dashboard");
    expect((await rig.request('POST', '/project/team-c/graphs', { body: descriptorText().replaceAll(GRAPH, 'c1'), contentType: 'application/yaml' })).status).toBe(200);
    await rig.idle();
    expect((await rig.request('DELETE', '/graphs/c1')).status).toBe(200);
    await rig.idle();
    expect(clusterDashboard()).toMatchObject({ uid: before!.uid, version: before!.version });
    const [c1] = (await (await rig.request('GET', '/clusters')).json()) as Array<{ grafana: string }>;
    expect(c1!.grafana).toBe(`${rig.grafana.url}/d/${before!.uid}/c1`);
  });
});

describe('a removal whose uninstall fails', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => rig.stop());

  const unreachable = 'Error: Kubernetes cluster unreachable: Get "https://karmada:5443/version": dial tcp 10.0.0.1:5443: i/o timeout';
  const uninstallsOf = (release: string) => rig.helmCalls('uninstall').filter((c) => c.release === release).length;
  const deploy = (headers: Record<string, string> = {}) => rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/x-yaml', headers });
  const uninstallFailures = async () =>
    (await rig.smo.runtime.eventStore.readStream(`graph-${GRAPH}`)).filter((e) => e.type === 'ServiceUninstallFailed').length;

  it('one transient failure is retried with backoff: the release, its names and the graph id are freed', async () => {
    expect((await deploy()).status).toBe(200);
    rig.helm.control({ fail: [{ command: 'uninstall', release: 'noise-reduction', times: 1, stderr: unreachable }] });
    await rig.request('DELETE', `/graphs/${GRAPH}`);
    await rig.idle();
    expect({ releases: Object.keys(rig.helm.state()), uninstalls: uninstallsOf('noise-reduction'), failures: await uninstallFailures() }).toEqual({ releases: [], uninstalls: 2, failures: 1 });
    // Nothing is left: a second DELETE finds no graph, and the same graph can be deployed again.
    expect((await rig.request('DELETE', `/graphs/${GRAPH}`)).status).toBe(404);
    expect((await deploy()).status).toBe(200);
  }, 60_000);

  it('a failure that outlasts the retries: DELETE again (or POST /retry) tries the uninstall again; until then the id and names stay taken', async () => {
    expect((await deploy()).status).toBe(200);
    // More failures than the runner's attempts (5): the event is parked with the release still there.
    rig.helm.control({ fail: [{ command: 'uninstall', release: 'noise-reduction', times: 5, stderr: unreachable }] });
    const remove = await rig.request('DELETE', `/graphs/${GRAPH}`);
    expect([remove.status, await remove.text()]).toEqual([
      202,
      `Removal requested, not finished: a release of graph ${GRAPH} is still being uninstalled, or its uninstall failed; DELETE /graphs/${GRAPH} again retries it\n`,
    ]);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual(['demo/noise-reduction']);
    // Five attempts, one failure recorded: the outage is one fact, not one per attempt.
    expect(await uninstallFailures()).toBe(1);
    const refused = await deploy({ prefer: 'respond-async' });
    expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([409, expect.stringContaining(`DELETE /graphs/${GRAPH}`)]);

    const again = await rig.request('DELETE', `/graphs/${GRAPH}`);
    expect([again.status, await again.text()]).toEqual([200, 'Removal successful\n']);
    await rig.idle();
    expect({ releases: Object.keys(rig.helm.state()), uninstalls: uninstallsOf('noise-reduction') }).toEqual({ releases: [], uninstalls: 6 });
    // The parked removal is resolved by the second one's handling (superseded): /health counts it no more.
    expect((await rig.smo.runtime.processing.report()).find((runner) => runner.name === 'deployment')?.parkedEvents).toBe(0);
    expect((await rig.request('POST', `/graphs/${GRAPH}/retry`)).status).toBe(404);
    expect((await deploy()).status).toBe(200);
  }, 60_000);

  it('POST /graphs/{name}/retry on the removed graph does the same', async () => {
    expect((await deploy()).status).toBe(200);
    rig.helm.control({ fail: [{ command: 'uninstall', release: 'noise-reduction', times: 5, stderr: unreachable }] });
    await rig.request('DELETE', `/graphs/${GRAPH}`);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual(['demo/noise-reduction']);
    expect((await rig.request('POST', `/graphs/${GRAPH}/retry`)).status).toBeLessThan(300);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual([]);
    expect((await deploy()).status).toBe(200);
  }, 60_000);
});

describe('a deployment step Karmada could not be reached for, past the retries (an outage longer than about 3 s)', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => rig.stop());

  const unreachable = 'Error: Kubernetes cluster unreachable: Get "https://karmada:5443/version": dial tcp 10.0.0.1:5443: connect: connection refused';
  const deploymentParked = async () => (await rig.smo.runtime.processing.report()).find((runner) => runner.name === 'deployment')?.parkedEvents ?? 0;
  const statuses = async () => {
    const graph = (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as { services: Array<{ name: string; status: string }> };
    return Object.fromEntries(graph.services.map((service) => [service.name, service.status]));
  };

  it('leaves the services Deploying with the event parked; `retry` deploys them and resolves the parked event, and /health is ok again', async () => {
    // helm cannot tell a release's state while the API server is unreachable: the step is retried (5 attempts), then parked.
    rig.helm.control({ fail: [{ command: 'status', stderr: unreachable }] });
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: { prefer: 'respond-async' } });
    expect(deploy.status).toBe(202);
    await eventually(async () => ((await deploymentParked()) === 1 ? true : undefined), 30_000, 'the deployment step parked');
    expect(await statuses()).toMatchObject({ 'image-detection': 'Deploying', 'noise-reduction': 'Deploying' });
    expect((await (await rig.request('GET', '/health')).json()) as object).toMatchObject({ status: 'degraded' });
    expect(rig.helmCalls('install')).toEqual([]);

    // Karmada is back. Nothing failed, yet the retry has work: the services still on their way.
    rig.helm.control({});
    const retry = await rig.request('POST', `/graphs/${GRAPH}/retry`);
    expect(retry.status).toBe(200);
    await rig.idle();
    expect(await statuses()).toMatchObject({ 'image-detection': 'Deployed', 'noise-reduction': 'Deployed' });
    expect(Object.keys(rig.helm.state()).sort()).toEqual(['demo/image-detection', 'demo/noise-reduction']);
    // The parked event needs nothing more: resolved as superseded by the retry, so /health is ok again.
    expect(await deploymentParked()).toBe(0);
    const parkedStream = await rig.smo.runtime.eventStore.readStream('parked-processor:deployment');
    const retried = (await rig.smo.runtime.eventStore.readStream(`graph-${GRAPH}`)).find((event) => event.type === 'DeploymentRetryRequested');
    expect(parkedStream.at(-1)).toMatchObject({ type: 'ParkedEventResolved', data: { resolution: 'superseded', supersededBy: retried!.id } });
    expect((await (await rig.request('GET', '/health')).json()) as object).toMatchObject({ status: 'ok' });
    // Settled now: nothing to retry.
    expect((await rig.request('POST', `/graphs/${GRAPH}/retry`)).status).toBe(409);
  }, 60_000);
});

describe('a release whose install failed or never finished', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => rig.stop());

  const deployAsync = () => rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/x-yaml', headers: { prefer: 'respond-async' } });
  const claimOf = async (serviceId: string) => {
    return currentClaims((await rig.smo.runtime.graphs.releaseNames.load('demo')).state)[serviceId]?.graphId ?? null;
  };

  it('helm recorded a failed revision: DELETE uninstalls it, then frees its name', async () => {
    // Real helm records a `failed` revision when creating the release's objects fails (e.g. a webhook refused one).
    rig.helm.control({ fail: [{ command: 'install', release: 'noise-reduction', stderr: 'Error: INSTALLATION FAILED: admission webhook denied', recordFailed: true }] });
    expect((await deployAsync()).status).toBe(202);
    await rig.idle();
    expect(rig.helm.state()['demo/noise-reduction']?.revisions.at(-1)?.status).toBe('failed');
    expect(await claimOf('noise-reduction')).toBe(GRAPH);

    expect((await rig.request('DELETE', `/graphs/${GRAPH}`)).status).toBe(200);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual([]);
    expect(rig.helmCalls('uninstall').map((c) => c.release).sort()).toEqual(['image-detection', 'noise-reduction']);
    expect(await claimOf('noise-reduction')).toBeNull();
  }, 60_000);

  it('an install killed mid-way left pending-install: DELETE uninstalls it', async () => {
    rig.helm.control({ leavePending: [{ command: 'install', release: 'noise-reduction' }] });
    await deployAsync();
    await rig.idle();
    expect(rig.helm.state()['demo/noise-reduction']?.revisions.at(-1)?.status).toBe('pending-install');
    await rig.request('DELETE', `/graphs/${GRAPH}`);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual([]);
  }, 60_000);

  it('stop uninstalls a failed release too; a service whose install left nothing is only asked about (helm status), never uninstalled', async () => {
    rig.helm.control({ fail: [{ command: 'install', release: 'noise-reduction', stderr: 'Error: INSTALLATION FAILED: boom', recordFailed: true }, { command: 'install', release: 'image-detection', stderr: 'Error: chart not found' }] });
    await deployAsync();
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual(['demo/noise-reduction']);
    const statusCalls = rig.helmCalls('status').length;
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
    await rig.idle();
    expect(Object.keys(rig.helm.state())).toEqual([]);
    expect(rig.helmCalls('uninstall').map((c) => c.release)).toEqual(['noise-reduction']);
    expect(rig.helmCalls('status').length - statusCalls).toBe(2);
    const view = (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as { services: Array<{ status: string }> };
    expect(view.services.map((s) => s.status)).toEqual(['Not deployed', 'Not deployed', 'Not deployed']);
  }, 60_000);
});


/**
 * A rig whose Submariner Gateways reads (one per placement decision, for the clusters' latencies) can be held
 * or slowed: the window in which a placement has read the graph and the clusters and not yet recorded.
 */
async function startRigWithSlowGateways(clusters: KarmadaClusterInput[]) {
  const rig = await startRig({ clusters, gateways: [] });
  let gate: { arrived: () => void; release: Promise<void> } | null = null;
  const control = { delayMs: 0 };
  const kube = rig.kube as unknown as { route: (...args: unknown[]) => Promise<unknown> };
  const route = kube.route.bind(kube);
  kube.route = async (...args: unknown[]) => {
    if (String(args[1]).includes('/gateways')) {
      if (gate) {
        const current = gate;
        gate = null;
        current.arrived();
        await current.release;
      }
      if (control.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, control.delayMs));
    }
    return route(...args);
  };
  /** Holds the next gateways read: `reached` once a placement waits there, until `release()`. */
  const holdNextRead = () => {
    let release!: () => void;
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    gate = { arrived, release: new Promise<void>((resolve) => (release = resolve)) };
    return { reached, release };
  };
  return { rig, control, holdNextRead };
}

describe('a placement while its graph moves under it', () => {
  let slow: Awaited<ReturnType<typeof startRigWithSlowGateways>>;
  let rig: OrchestratorRig;
  beforeAll(async () => {
    slow = await startRigWithSlowGateways([{ name: 'c1', cpu: '1000', memory: '2000Gi', allocatedCpu: '0', allocatedMemory: '0' }]);
    rig = slow.rig;
  }, 60_000);
  afterAll(async () => rig.stop());

  it('removed and submitted again meanwhile: the second submission gets its own placement, every one of its services placed and installed', async () => {
    const { reached, release } = slow.holdNextRead();
    const post = (count: number, chart: string) =>
      rig.request('POST', '/project/rs/graphs', { body: independentServicesDescriptor('resubmitted', count, [chart]), contentType: 'application/x-yaml', headers: { prefer: 'respond-async' } });
    expect((await post(2, 'oci://registry.example:5000/test/app-a')).status).toBe(202);
    await reached; // the placement processor has read submission 1 and waits on the gateways
    expect((await rig.request('DELETE', '/graphs/resubmitted', { headers: { prefer: 'respond-async' } })).status).toBeLessThan(300);
    expect((await post(3, 'oci://registry.example:5000/test/app-b')).status).toBe(202);
    release();
    await rig.idle();
    const decisions = (await rig.smo.runtime.eventStore.readStream('graph-resubmitted')).filter((event) => event.type === 'PlacementDecided');
    expect(Object.keys((decisions.at(-1)!.data as { placement: Record<string, string> }).placement).sort()).toEqual(['svc-01', 'svc-02', 'svc-03']);
    expect(Object.keys(rig.helm.state()).sort()).toEqual(['rs/svc-01', 'rs/svc-02', 'rs/svc-03']);
    expect(rig.helmCalls('install').map((call) => call.argv.find((arg) => arg.startsWith('oci://')))).toEqual(Array(3).fill('oci://registry.example:5000/test/app-b'));
    const view = (await (await rig.request('GET', '/graphs/resubmitted')).json()) as { services: Array<{ status: string }> };
    expect(view.services.map((service) => service.status)).toEqual(['Deployed', 'Deployed', 'Deployed']);
  }, 60_000);

  it('other events keep landing: a re-placement is recorded (not parked) while a scaling fact lands every 250 ms, each decision taking 300 ms', async () => {
    expect((await rig.request('POST', '/project/busy/graphs', { body: independentServicesDescriptor('busy', 2, ['oci://registry.example:5000/test/app']), contentType: 'application/x-yaml' })).status).toBe(200);
    let round = 0;
    let scaling = true;
    const scaler = (async () => {
      while (scaling) {
        round++;
        await rig.smo.runtime.graphs.execute(
          { type: 'RecordScaling', event: { type: 'ServiceScaled', data: { graphId: 'busy', serviceId: 'svc-01', cluster: 'c1', from: 1 + (round % 2), to: 1 + ((round + 1) % 2), requestRate: 5, solver: 'test', objective: 0 } } },
          { commandId: `scaling-round-${round}`, correlationId: `round-${round}`, actor: 'processor:scaling', now: new Date() },
        );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    slow.control.delayMs = 300;
    try {
      expect((await rig.request('POST', '/graphs/busy/placement', { headers: { prefer: 'respond-async' } })).status).toBeLessThan(300);
      const decided = async () => (await rig.smo.runtime.eventStore.readStream('graph-busy')).some((event) => event.type === 'PlacementDecided' && (event.data as { reason: string }).reason === 'manual');
      const parked = async () => ((await rig.smo.runtime.processing.report()).find((runner) => runner.name === 'placement')?.parkedEvents ?? 0) > 0;
      await eventually(async () => (await decided()) || (await parked()), 30_000, 'the re-placement recorded or parked');
      expect({ decided: await decided(), parked: await parked() }).toEqual({ decided: true, parked: false });
    } finally {
      scaling = false;
      await scaler;
      slow.control.delayMs = 0;
    }
  }, 60_000);
});

describe('a cluster removed while a placement onto it is being decided', () => {
  let slow: Awaited<ReturnType<typeof startRigWithSlowGateways>>;
  let rig: OrchestratorRig;
  const cluster = (name: string) => ({ name, cpu: '8', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' });
  beforeAll(async () => {
    slow = await startRigWithSlowGateways([cluster('c1'), cluster('c2')]);
    rig = slow.rig;
  }, 60_000);
  afterAll(async () => rig.stop());

  it('re-places the graph: cluster loss found nothing of it to move while the decision was under way', async () => {
    const { reached, release } = slow.holdNextRead();
    expect((await rig.request('POST', '/project/a/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: { prefer: 'respond-async' } })).status).toBe(202);
    await reached; // the placement has read the clusters (first fit chooses c1) and waits on the gateways
    rig.kube.setClusters([karmadaCluster(cluster('c2'))]);
    expect((await rig.request('POST', '/clusters/sync')).status).toBe(200);
    const listed = async () => ((await (await rig.request('GET', '/clusters/')).json()) as Array<{ name: string }>).map((found) => found.name);
    await eventually(async () => !(await listed()).includes('c1') || undefined, 10_000, 'c1 gone from the inventory');
    release();
    await rig.idle();
    const placed = async () => ((await (await rig.request('GET', '/graphs/image-detection-graph')).json()) as { placement: Record<string, string> | null }).placement;
    await eventually(async () => Object.values((await placed()) ?? {}).every((name) => name === 'c2') || undefined, 20_000, 'the graph on c2');
    expect(await placed()).toEqual({ 'image-compression-vo': 'c2', 'noise-reduction': 'c2', 'image-detection': 'c2' });
  }, 60_000);
});
