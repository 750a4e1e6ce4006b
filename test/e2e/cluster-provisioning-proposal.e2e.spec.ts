import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { FakeNfvcl, type RunningFakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { descriptorText } from '../support/graph-fixtures';
import { vimBody } from '../support/nfvcl-rig';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';
import type { GraphView as View } from '../../src/api/graphs/graph-view';

const GRAPH = 'image-detection-graph';

interface Proposal {
  proposalId: string;
  status: string;
  gap: { cpu: number; memoryBytes?: number };
  popArea: number;
  vimName: string;
  workerReplicas: number;
  smoId: string | null;
}

describe('capacity gap → cluster provisioning proposal → NFVCL → the new cluster joins → the graph is placed', () => {
  let rig: OrchestratorRig;
  let nfvcl: RunningFakeNfvcl;
  afterEach(async () => {
    await rig.stop();
    await nfvcl.stop();
  });

  /** A VIM, one 1-core cluster and the Brussels graph (2.5 cores): its placement fails and a cluster is proposed. */
  async function proposalForTheBrusselsGraphOnOneSmallCluster(env: Record<string, string> = {}) {
    nfvcl = await FakeNfvcl.start();
    rig = await startRig({
      clusters: [{ name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }],
      env: { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '20', NFVCL_TIMEOUT: '5', SMO_PROVISION_WORKER_CPU: '2', ...env },
    });
    const json = async <T>(path: string): Promise<T> => (await (await rig.request('GET', path)).json()) as T;
    expect((await rig.request('POST', '/vims/smo_vims', { body: JSON.stringify(vimBody()), contentType: 'application/json' })).status).toBe(201);
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(422);
    const [proposal] = await eventually(async () => {
      const list = await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`);
      return list.length > 0 ? list : undefined;
    }, 20_000, 'a cluster provisioning proposal');
    return { json, proposal };
  }

  it('proposes a cluster sized from the gap, builds it through NFVCL once approved, and places the pending graph when it joins', async () => {
    nfvcl = await FakeNfvcl.start();
    // One 1-core cluster: the Brussels graph (0.5 + 1 + 1 cores) cannot be placed.
    const small = { name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' };
    rig = await startRig({
      clusters: [small],
      env: { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '20', NFVCL_TIMEOUT: '5', SMO_PROVISION_WORKER_CPU: '2' },
    });
    const json = async <T>(path: string): Promise<T> => (await (await rig.request('GET', path)).json()) as T;
    expect((await rig.request('POST', '/vims/smo_vims', { body: JSON.stringify(vimBody()), contentType: 'application/json' })).status).toBe(201);

    const deployed = await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' });
    expect(deployed.status).toBe(422);
    const [proposal] = await eventually(async () => {
      const list = await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`);
      return list.length > 0 ? list : undefined;
    }, 20_000, 'a cluster provisioning proposal');
    // c1 takes one 1-core service; the new cluster must take the other (1 core) and the VO (0.5): 1.5 cores → one 2-core worker.
    expect(proposal).toMatchObject({ status: 'pending', popArea: 0, vimName: 'os-brussels', workerReplicas: 1, smoId: null });
    expect(proposal!.gap.cpu).toBeCloseTo(1.5);
    expect(nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s')).toEqual([]); // nothing built before approval

    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/nope/approve`)).status).toBe(404);
    const approved = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`);
    expect(approved.status).toBe(200);
    const answer = (await approved.json()) as { smo_id: string };
    const build = nfvcl.requests().find((r) => r.path === '/nfvcl/v2/api/blue/k8s');
    expect(build?.body).toMatchObject({ areas: [{ area_id: 0, worker_replicas: 1 }] });
    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`)).status).toBe(409);
    expect((await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`))[0]).toMatchObject({ status: 'approved', smoId: answer.smo_id });
    await eventually(async () => (await json<{ status: string }>(`/os_k8s/cluster/${answer.smo_id}`)).status === 'Provisioned', 20_000, 'the cluster provisioned');

    // The new cluster joins Karmada: the pending graph is placed, using it.
    rig.kube.setClusters([karmadaCluster(small), karmadaCluster({ name: 'os-k8s-new', cpu: '2', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' })]);
    expect((await rig.request('POST', '/clusters/sync')).status).toBeLessThan(300);
    const placed = await eventually(async () => {
      const view = await json<View>(`/graphs/${GRAPH}`);
      return view.placement && view.placementFailure === null ? view : undefined;
    }, 20_000, 'the graph placed');
    expect(Object.values(placed.placement!)).toContain('os-k8s-new');
    await rig.idle();
    expect(rig.helmCalls('install').length).toBeGreaterThan(0);
    // Still one proposal: the failure before the cluster joined asked for nothing more.
    expect(await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`)).toMatchObject([{ proposalId: proposal!.proposalId, status: 'fulfilled' }]);
  });

  it('records the approval before asking NFVCL: of two concurrent approvals one builds the cluster; an NFVCL failure makes the proposal approvable again', async () => {
    const { json, proposal } = await proposalForTheBrusselsGraphOnOneSmallCluster();
    const builds = () => nfvcl.requests().filter((r) => r.method === 'POST' && r.path === '/nfvcl/v2/api/blue/k8s').length;
    const approve = (key: string) => rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`, { headers: { 'idempotency-key': key } });

    // NFVCL refuses: the route answers its error, and the proposal is pending again, saying why.
    nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 500, { detail: 'no capacity in area 0' });
    const refused = await approve('approve-refused');
    expect(refused.status).toBe(502);
    expect(builds()).toBe(1);
    expect((await json<(Proposal & { lastFailure?: string })[]>(`/graphs/${GRAPH}/cluster-proposals`))[0]).toMatchObject({
      status: 'pending',
      smoId: null,
      lastFailure: expect.stringContaining('no capacity in area 0'),
    });

    // Two approvals at once with different keys: the first recorded wins, the other is refused before NFVCL is asked.
    const [one, two] = await Promise.all([approve('approve-a'), approve('approve-b')]);
    expect([one!.status, two!.status].sort()).toEqual([200, 409]);
    expect(builds()).toBe(2);
    const winner = (await (one!.status === 200 ? one! : two!).json()) as { smo_id: string };
    expect((await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`))[0]).toMatchObject({ status: 'approved', smoId: winner.smo_id });
    // The winning request retried (same key) answers the same cluster and builds nothing more.
    const retried = await approve(one!.status === 200 ? 'approve-a' : 'approve-b');
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { smo_id: string }).smo_id).toBe(winner.smo_id);
    expect(builds()).toBe(2);
  });

  it('a rejected proposal builds nothing and can no longer be approved', async () => {
    const { json, proposal } = await proposalForTheBrusselsGraphOnOneSmallCluster();

    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/nope/reject`)).status).toBe(404);
    expect((await rig.request('POST', `/graphs/nope/cluster-proposals/${proposal!.proposalId}/reject`)).status).toBe(404);
    const rejected = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/reject`);
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toEqual({ proposalId: proposal!.proposalId, status: 'rejected' });
    expect(await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`)).toMatchObject([{ proposalId: proposal!.proposalId, status: 'rejected', reason: 'rejected by an operator', smoId: null }]);
    const again = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/reject`);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`)).status).toBe(409);
    await rig.idle();
    expect(nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s')).toEqual([]);
    const history = await json<{ events: { type: string; data: { proposalId: string } }[] }>(`/graphs/${GRAPH}/history?type=ClusterProvisioningRejected`);
    expect(history.events).toMatchObject([{ type: 'ClusterProvisioningRejected', data: { proposalId: proposal!.proposalId } }]);
  });

  it('without NFVCL no proposal is made, and approval answers 503', async () => {
    nfvcl = await FakeNfvcl.start();
    rig = await startRig({ clusters: [{ name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }] });
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(422);
    await rig.idle();
    expect(await (await rig.request('GET', `/graphs/${GRAPH}/cluster-proposals`)).json()).toEqual([]);
    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/nope/approve`)).status).toBe(503); // NFVCL not configured
  });

  it('an approved proposal whose cluster NFVCL fails to build is pending again, with the failure: approvable again', async () => {
    // It had stayed approved for good, blocking every new proposal, neither approvable again nor rejectable (found by a review helper).
    const { json, proposal } = await proposalForTheBrusselsGraphOnOneSmallCluster();
    nfvcl.failNextProvisioning('Quota exceeded for instances');
    const approved = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`);
    expect(approved.status).toBe(200);
    const { smo_id: smoId } = (await approved.json()) as { smo_id: string };
    await eventually(async () => (await json<{ status: string }>(`/os_k8s/cluster/${smoId}`)).status === 'Failed', 20_000, 'the cluster Failed');
    const [after] = await eventually(async () => {
      const list = await json<Array<Proposal & { lastFailure?: string }>>(`/graphs/${GRAPH}/cluster-proposals`);
      return list[0]?.status === 'pending' ? list : undefined;
    }, 10_000, 'the proposal pending again');
    expect(after!.lastFailure).toContain('Quota exceeded for instances');
    const again = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`, { headers: { 'idempotency-key': 'second-approval' } });
    expect(again.status).toBe(200);
    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/reject`)).status).toBe(409);
  });

  /**
   * The cluster of an approval timed out (the proposal pending again), and NFVCL finished it later: the sync makes it
   * Provisioned. The proposal had stayed pending: the graph no longer waited for that cluster (not placed when it
   * joined), and approving again built a second one.
   */
  it('an approval whose cluster timed out is approved again with that cluster when the sync finds it built; the graph is placed when it joins', async () => {
    const { json, proposal } = await proposalForTheBrusselsGraphOnOneSmallCluster({ NFVCL_PROVISION_TIMEOUT: '1' });
    nfvcl.holdNextProvisioning();
    const approved = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`);
    expect(approved.status).toBe(200);
    const { smo_id: smoId } = (await approved.json()) as { smo_id: string };
    await eventually(async () => ((await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`))[0]?.status === 'pending' ? true : undefined), 10_000, 'the proposal pending again');

    const blueprint = [...nfvcl.blueprints().values()][0]!;
    blueprint.operation = 'idle'; // NFVCL finished building it after SMO stopped waiting
    blueprint.ticksLeft = 0;
    expect((await rig.request('POST', '/os_k8s/sync/nfvcl_k8s')).status).toBe(200);
    expect((await json<{ status: string }>(`/os_k8s/cluster/${smoId}`)).status).toBe('Provisioned');
    const [restored] = await eventually(async () => {
      const list = await json<Proposal[]>(`/graphs/${GRAPH}/cluster-proposals`);
      return list[0]?.status === 'approved' ? list : undefined;
    }, 10_000, 'the proposal approved again');
    expect(restored).toMatchObject({ status: 'approved', smoId });
    expect((await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`)).status).toBe(409);

    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'os-k8s-new', cpu: '2', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    expect((await rig.request('POST', '/clusters/sync')).status).toBeLessThan(300);
    await eventually(async () => {
      const view = await json<View>(`/graphs/${GRAPH}`);
      return view.placement && view.placementFailure === null ? view : undefined;
    }, 20_000, 'the graph placed');
    expect(nfvcl.requests().filter((r) => r.method === 'POST' && r.path === '/nfvcl/v2/api/blue/k8s')).toHaveLength(1);
  });

  /**
   * NFVCL did not answer the create in time and SMO found no blueprint for it: the call failed. The approval had stayed
   * approved for good (a 504 was taken for a call still under way), blocking new proposals, with no cluster coming.
   */
  it('an approval whose create NFVCL did not answer in time is pending again; approved again, NFVCL builds one cluster', async () => {
    const { json, proposal } = await proposalForTheBrusselsGraphOnOneSmallCluster({ NFVCL_TIMEOUT: '1' });
    nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 504); // nothing built, and the answer comes after SMO gave up
    nfvcl.delayAnswerTo('POST', '/nfvcl/v2/api/blue/k8s', 1500);
    const approved = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`);
    expect(approved.status).toBe(504);
    expect((await json<Array<Proposal & { lastFailure?: string }>>(`/graphs/${GRAPH}/cluster-proposals`))[0]).toMatchObject({
      status: 'pending',
      smoId: null,
      lastFailure: expect.stringContaining('did not answer'),
    });
    const again = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`, { headers: { 'idempotency-key': 'after-timeout' } });
    expect(again.status).toBe(200);
    expect(nfvcl.blueprints().size).toBe(1);
  });
});
