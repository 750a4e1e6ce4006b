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
