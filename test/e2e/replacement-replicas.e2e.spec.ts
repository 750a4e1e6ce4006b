import { graphStream } from '../../src/domain/graph/events';
import { descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const CHART = 'oci://registry.example:5000/test/app';

/**
 * A re-placement asks Karmada for each service's replicas (the placement's demand is cpu × replicas): how many
 * it asks at once, and which count it reads.
 */
describe('re-placement: the replicas read from Karmada', () => {
  let rig: OrchestratorRig;
  beforeAll(async () => {
    rig = await startRig({
      clusters: [
        { name: 'c1', cpu: '4', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' },
        { name: 'c2', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
        { name: 'c3', cpu: '64', memory: '128Gi', allocatedCpu: '0', allocatedMemory: '0' },
      ],
      // One graph's placements stop counting against the clusters a second later (the fake's allocation never moves).
      env: { SMO_PLACEMENT_LEDGER_TTL: '1', SMO_KUBE_TIMEOUT: '1' },
    });
  });
  afterAll(async () => rig.stop());

  async function deploy(project: string, graphId: string, services: number): Promise<void> {
    const answer = await rig.request('POST', `/project/${project}/graphs`, { body: independentServicesDescriptor(graphId, services, [CHART]), contentType: 'application/x-yaml' });
    expect(answer.status).toBe(200);
    await rig.idle();
  }

  /** Asks for a re-placement and answers its PlacementDecided data. */
  async function replace(graphId: string): Promise<{ placement: Record<string, string>; inputs: { services: Array<{ id: string; replicas: number }> } }> {
    expect((await rig.request('POST', `/graphs/${graphId}/placement`)).status).toBeLessThan(300);
    const decided = async () =>
      (await rig.smo.runtime.eventStore.readStream(graphStream(graphId))).filter((event) => event.type === 'PlacementDecided' && (event.data as { reason: string }).reason === 'manual').at(-1)?.data as
        | { placement: Record<string, string>; inputs: { services: Array<{ id: string; replicas: number }> } }
        | undefined;
    return eventually(decided, 30_000, `the re-placement of ${graphId}`);
  }

  it('a Deployment mid-rollout (10 replicas wanted, 2 available yet) counts as 10: the service leaves a cluster that cannot hold 10', async () => {
    await deploy('rollout', 'rollout', 1);
    const [first] = (await rig.smo.runtime.eventStore.readStream(graphStream('rollout'))).filter((event) => event.type === 'PlacementDecided');
    expect((first!.data as { placement: Record<string, string> }).placement).toEqual({ 'svc-01': 'c1' }); // first fit by name
    // Scaled to 10 × 0.5 CPU; c1 (4 CPU) holds 8 at most. The rollout has brought up 2 so far.
    rig.kube.setDeployment({ name: 'svc-01', namespace: 'rollout', replicas: 10, availableReplicas: 2 });

    const decision = await replace('rollout');
    expect(decision.inputs.services.map((s) => [s.id, s.replicas])).toEqual([['svc-01', 10]]);
    expect(decision.placement['svc-01']).not.toBe('c1');
  }, 60_000);

  it('asks Karmada for the replicas of a 40-service graph a few at a time, not 40 requests at once', async () => {
    await deploy('wide', 'wide', 40);
    for (let i = 1; i <= 40; i++) rig.kube.setDeployment({ name: `svc-${String(i).padStart(2, '0')}`, namespace: 'wide', replicas: 1 });
    const prefix = '/apis/apps/v1/namespaces/wide/deployments/';
    rig.kube.delay(prefix, 100);
    const before = rig.kube.requests.length;

    const decision = await replace('wide');
    expect(decision.inputs.services).toHaveLength(40);
    expect(decision.inputs.services.every((s) => s.replicas === 1)).toBe(true);
    const reads = rig.kube.requests.slice(before).filter((r) => r.path.startsWith(prefix));
    expect(reads).toHaveLength(40); // every service asked once
    expect(rig.kube.peakInFlight(prefix)).toBeGreaterThan(1);
    expect(rig.kube.peakInFlight(prefix)).toBeLessThanOrEqual(8);
  }, 60_000);

  it('gives up the reads not yet answered once Karmada does not answer one in time (SMO_KUBE_TIMEOUT): unknown replicas count as 1', async () => {
    rig.kube.hang();
    try {
      const started = Date.now();
      const decision = await replace('wide');
      // 40 reads 8 at a time, each waiting out its 1 s, would take 5 s.
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(decision.inputs.services.every((s) => s.replicas === 1)).toBe(true);
    } finally {
      rig.kube.up();
    }
  }, 60_000);

  it('reads only the installed services: one waiting for its alert has no Deployment to read (and counts as 1 replica)', async () => {
    const answer = await rig.request('POST', '/project/pend/graphs', { body: descriptorText(), contentType: 'application/x-yaml' });
    expect(answer.status).toBe(200);
    await rig.idle();
    const prefix = '/apis/apps/v1/namespaces/pend/deployments/';
    const before = rig.kube.requests.length;
    const decision = await replace('image-detection-graph');
    const read = rig.kube.requests.slice(before).filter((r) => r.path.startsWith(prefix)).map((r) => r.path.slice(prefix.length).split('/')[0]);
    expect(read.sort()).toEqual(['image-detection', 'noise-reduction']);
    expect(decision.inputs.services.find((s) => s.id === 'image-compression-vo')?.replicas).toBe(1);
  }, 60_000);

  it('reads the replicas before it takes the placement lease: an approval is not kept waiting on Karmada', async () => {
    await deploy('slow', 'slow', 2);
    const prefix = '/apis/apps/v1/namespaces/slow/deployments/';
    rig.kube.delay(prefix, 3_000);
    try {
      const asked = rig.request('POST', '/graphs/slow/placement'); // answered once decided
      await eventually(async () => rig.kube.peakInFlight(prefix) > 0, 10_000, 'a replica read under way'); // SMO_KUBE_TIMEOUT=1 s
      // While Karmada takes its time, the lease approvals wait for is free (another instance's approval takes it here).
      const { readStore } = rig.smo.runtime;
      expect(await readStore.acquireLease('placement-approval', 'an approval elsewhere', 5_000)).toBe(true);
      await readStore.releaseLease('placement-approval', 'an approval elsewhere');
      expect((await asked).status).toBe(200);
    } finally {
      rig.kube.delay(prefix, 0);
    }
    await rig.idle();
  }, 60_000);
});
