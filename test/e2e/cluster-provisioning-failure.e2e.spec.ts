import { FakeNfvcl, type RunningFakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { descriptorText } from '../support/graph-fixtures';
import { vimBody } from '../support/nfvcl-rig';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const GRAPH = 'image-detection-graph';

/**
 * NFVCL accepts the cluster of an approved proposal and then fails to build it (the task fails, or the provisioning
 * times out): the cluster is Failed, and the graph's proposal is pending again with the failure (it had stayed `approved`
 * for good, blocking every new proposal, neither approvable again nor rejectable; found by a review helper).
 */
describe('an approved cluster proposal whose cluster NFVCL fails to build', () => {
  let rig: OrchestratorRig;
  let nfvcl: RunningFakeNfvcl;
  afterEach(async () => {
    await rig.stop();
    await nfvcl.stop();
  });

  it('is open to approval again (pending, with the failure) once the cluster is Failed', async () => {
    nfvcl = await FakeNfvcl.start();
    rig = await startRig({
      clusters: [{ name: 'c1', cpu: '1', memory: '8Gi', allocatedCpu: '0', allocatedMemory: '0' }],
      env: { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '20', NFVCL_TIMEOUT: '5', SMO_PROVISION_WORKER_CPU: '2' },
    });
    const json = async <T>(path: string): Promise<T> => (await (await rig.request('GET', path)).json()) as T;
    expect((await rig.request('POST', '/vims/smo_vims', { body: JSON.stringify(vimBody()), contentType: 'application/json' })).status).toBe(201);
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(422);
    const [proposal] = await eventually(async () => {
      const list = await json<{ proposalId: string }[]>(`/graphs/${GRAPH}/cluster-proposals`);
      return list.length > 0 ? list : undefined;
    }, 20_000, 'a cluster provisioning proposal');

    nfvcl.failNextProvisioning('Quota exceeded for instances');
    const approved = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`);
    expect(approved.status).toBe(200);
    const { smo_id: smoId } = (await approved.json()) as { smo_id: string };
    await eventually(async () => (await json<{ status: string }>(`/os_k8s/cluster/${smoId}`)).status === 'Failed', 20_000, 'the cluster Failed');
    await rig.idle();

    const [after] = await eventually(async () => {
      const list = await json<{ status: string; smoId: string | null; lastFailure?: string }[]>(`/graphs/${GRAPH}/cluster-proposals`);
      return list[0]?.status === 'pending' ? list : undefined;
    }, 10_000, 'the proposal pending again');
    expect(after!.lastFailure).toContain('Quota exceeded for instances');
    const approveAgain = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/approve`, { headers: { 'idempotency-key': 'second-approval' } });
    const reject = await rig.request('POST', `/graphs/${GRAPH}/cluster-proposals/${proposal!.proposalId}/reject`);
    expect({ status: after!.status, approveAgain: approveAgain.status, reject: reject.status }).toEqual({ status: 'pending', approveAgain: 200, reject: 409 });
  });
});
