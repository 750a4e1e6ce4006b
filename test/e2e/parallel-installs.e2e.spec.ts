import { independentServicesDescriptor } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const SERVICES = 8;
const CHART = 'oci://registry.example/charts/app';

/**
 * A graph's independent services are installed a few at a time (SMO_HELM_CONCURRENCY), each once,
 * each outcome recorded as its own event. Every install hangs long enough that the number running
 * at once can be read from the fake helm's log. (The speed-up with the real helm is measured by
 * `npm run bench:karmada` against the lab.)
 */
describe.each([
  { concurrency: 4, atOnce: 4 },
  { concurrency: 1, atOnce: 1 },
])('installs with SMO_HELM_CONCURRENCY=$concurrency', ({ concurrency, atOnce }) => {
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig({ env: { SMO_HELM_CONCURRENCY: String(concurrency), SMO_DEPLOY_WAIT: '1' } });
  });
  afterAll(async () => rig.stop());

  it(`runs at most ${atOnce} at once, installs each release once and records one event per outcome`, async () => {
    rig.helm.control({ hang: [{ command: 'install', ms: 4_000 }] });
    const graphId = `parallel-${concurrency}`;
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: independentServicesDescriptor(graphId, SERVICES, [CHART]), contentType: 'application/x-yaml' });
    expect(deploy.status).toBe(202);

    // The first wave starts; while it hangs, no further install may begin.
    await eventually(async () => rig.helmCalls('install').length >= atOnce, 30_000, 'the first installs');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(rig.helmCalls('install')).toHaveLength(atOnce);

    await eventually(async () => {
      const view = (await (await rig.request('GET', `/graphs/${graphId}`)).json()) as { services: Array<{ status: string }> };
      return view.services.every((s) => s.status === 'Deployed');
    }, 120_000, 'every service Deployed');
    const releases = rig.helmCalls('install').map((call) => call.release).sort();
    expect(releases).toEqual(Array.from({ length: SERVICES }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`));
    const events = await rig.smo.runtime.eventStore.readStream(`graph-${graphId}`);
    expect(events.filter((e) => e.type === 'ServiceDeployed')).toHaveLength(SERVICES);
    expect(events.filter((e) => e.type === 'ServiceDeploymentFailed')).toHaveLength(0);
  }, 180_000);
});

/**
 * Graphs are reconciled at once (SMO_DEPLOY_GRAPHS_AT_ONCE): one whose helm hangs (a registry that does not answer)
 * holds back no other graph's deployment; its own later changes wait for it, in order.
 */
describe('graphs deployed at once', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig({ env: { SMO_DEPLOY_WAIT: '1' } });
  });
  afterAll(async () => rig.stop());
  const status = async (graphId: string) => ((await (await rig.request('GET', `/graphs/${graphId}`)).json()) as { services: Array<{ status: string }> }).services[0]!.status;

  it('a graph whose install hangs holds back neither another graph’s deployment nor the checkpoint past what is done', async () => {
    // The first install hangs 20 s (helm pulling from a registry that does not answer); later ones do not.
    rig.helm.control({ hang: [{ command: 'install', times: 1, ms: 20_000 }] });
    const deploy = (graphId: string, project: string) =>
      rig.request('POST', `/project/${project}/graphs`, { body: independentServicesDescriptor(graphId, 1, [CHART]), contentType: 'application/x-yaml', headers: { prefer: 'respond-async' } });
    expect((await deploy('slow-graph', 'slow')).status).toBe(202);
    await eventually(async () => rig.helmCalls('install').length === 1, 30_000, 'the hung install');
    const hungAt = Date.now();

    expect((await deploy('quick-graph', 'quick')).status).toBe(202);
    await eventually(async () => ((await status('quick-graph')) === 'Deployed' ? true : undefined), 15_000, 'the other graph deployed');
    expect(Date.now() - hungAt).toBeLessThan(15_000);
    expect(await status('slow-graph')).toBe('Deploying');
    // The deployment processor's position stays before the hung graph's placement: a restart now would handle it again.
    const [slowPlacement] = (await rig.smo.runtime.eventStore.readStream('graph-slow-graph')).filter((event) => event.type === 'PlacementDecided');
    const deployment = (await rig.smo.runtime.processing.report()).find((runner) => runner.name === 'deployment')!;
    expect(deployment.processedPosition).toBeLessThan(slowPlacement!.position);

    // The hung graph's own stop waits for its install, then uninstalls it: one graph's changes stay in order.
    expect((await rig.request('POST', '/graphs/slow-graph/stop', { headers: { prefer: 'respond-async' } })).status).toBe(202);
    await rig.smo.runtime.processing.whenIdle(60_000);
    expect(rig.helmCalls().filter((call) => call.release === 'svc-01' && call.argv.includes('slow')).map((call) => call.command)).toEqual(expect.arrayContaining(['install', 'uninstall']));
    expect(Object.keys(rig.helm.state()).sort()).toEqual(['quick/svc-01']);
  }, 90_000);
});
