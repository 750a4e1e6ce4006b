import { OS_K8S_CLUSTER_ID } from '../../src/domain/os-k8s-cluster/ids';
import { FakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { startApp } from '../support/app';
import { startNfvclRig, vimBody, type NfvclRig } from '../support/nfvcl-rig';

const PROBLEM = 'application/problem+json';
const typeOf = (response: Response) => response.headers.get('content-type')?.split(';')[0];

interface ClusterView {
  smo_id: string;
  nfvcl_id: string | null;
  pop_area: number | null;
  running_workers: number | null;
  status: string;
  failure: { reason: string; detail: string } | null;
}

async function registerVim(rig: NfvclRig, overrides: Record<string, unknown> = {}): Promise<void> {
  expect((await rig.request('POST', '/vims/smo_vims', vimBody(overrides))).status).toBe(201);
}

async function createCluster(rig: NfvclRig, body: unknown = { pop_area: 0, vim_name: 'os-brussels' }, headers: Record<string, string> = {}) {
  const response = await rig.request('POST', '/os_k8s/clusters', body, headers);
  expect(response.status).toBe(201);
  const answer = (await response.json()) as { message: string; NFVCL_Response: Record<string, unknown>; smo_id: string };
  expect(response.headers.get('location')).toBe(`/os_k8s/cluster/${answer.smo_id}`);
  return answer;
}

const streamTypes = async (rig: NfvclRig, smoId: string) => (await rig.smo.runtime.eventStore.readStream(`oscluster-${smoId}`)).map((e) => e.type);

describe.each(['current', '2024'] as const)('NFVCL OpenStack Kubernetes routes, %s NFVCL API', (api) => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig({ fake: { api } })));
  afterEach(async () => rig.stop());

  it('create → Provisioned (in the list with blueprint id and area) → scale-out → delete, with upstream messages', async () => {
    expect(await rig.json('/os_k8s/clusters')).toBe('No Registered OS_K8S Clusters');
    await registerVim(rig);
    const created = await createCluster(rig);
    expect(created.message).toBe('OS K8S cluster created successfully');
    expect(created.smo_id).toMatch(OS_K8S_CLUSTER_ID);
    expect(created.smo_id.startsWith('OS_K8S_0_')).toBe(true);
    expect(created.NFVCL_Response).toMatchObject({ status: 'deploying', detail: expect.stringMatching(/^Blueprint BLUE\w+ is being deployed\.\.\.$/) });
    expect('task_id' in created.NFVCL_Response).toBe(api === 'current');
    const request = rig.nfvcl.requests().find((r) => r.path === '/nfvcl/v2/api/blue/k8s')!;
    expect(request.body).toEqual({
      areas: [{ area_id: 0, is_master_area: true, mgmt_net: 'mgmt-net', additional_networks: ['service-net'], service_net_required_ip_number: 20, worker_replicas: 1 }],
    });
    const blueprintId = [...rig.nfvcl.blueprints().keys()][0]!;

    const ready = await rig.clusterWhen(created.smo_id, 'Provisioned');
    expect(ready).toMatchObject({
      smo_id: created.smo_id,
      is_master_area: true,
      nfvcl_id: blueprintId,
      pop_area: 0,
      master_flavor: { memory_mb: '4096', storage_gb: '32', vcpu_count: '4' },
      mgmt_network: 'mgmt-net',
      service_network: 'service-net',
      running_workers: 1,
      karmada_details: null,
      origin: 'smo',
      vim_name: 'os-brussels',
      karmada: 'not-configured',
      failure: null,
    });
    expect(await rig.json('/os_k8s/clusters')).toEqual([expect.objectContaining({ smo_id: created.smo_id, nfvcl_id: blueprintId, pop_area: 0, status: 'Provisioned' })]);
    expect(await streamTypes(rig, created.smo_id)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned']);
    const polled = rig.nfvcl.requests().filter((r) => r.method === 'GET').map((r) => r.path);
    expect(polled.some((path) => path === '/v2/utils/get_task_status')).toBe(api === 'current');

    const scaled = await rig.request('POST', `/os_k8s/scale-out/${created.smo_id}`);
    expect([scaled.status, ((await scaled.json()) as { message: string }).message]).toEqual([200, 'Node added to k8s cluster successfully']);
    const addNode = rig.nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s/add_node');
    expect(addNode.map((r) => `${r.method} ${r.status}`)).toEqual(api === 'current' ? ['POST 405', 'PUT 202'] : ['POST 200']);
    expect(addNode.at(-1)!).toMatchObject({
      query: { blue_id: blueprintId },
      body: { areas: [{ area_id: 0, is_master_area: false, mgmt_net: 'mgmt-net', service_net: 'service-net', worker_replicas: 1 }] },
    });
    expect(((await rig.json(`/os_k8s/cluster/${created.smo_id}`)) as ClusterView).running_workers).toBe(2);

    const removed = await rig.request('DELETE', `/os_k8s/cluster/${created.smo_id}`);
    expect([removed.status, await removed.json()]).toEqual([200, { message: 'OS K8S cluster deleted successfully' }]);
    expect(rig.nfvcl.requests().filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/nfvcl/v2/api/blue/${blueprintId}`]);
    expect(rig.nfvcl.blueprints().size).toBe(0);
    const gone = await rig.request('GET', `/os_k8s/cluster/${created.smo_id}`);
    expect([gone.status, typeOf(gone), ((await gone.json()) as { detail: string }).detail]).toEqual([404, PROBLEM, 'OS_K8S cluster not found']);
    for (const [method, path] of [['DELETE', `/os_k8s/cluster/${created.smo_id}`], ['POST', `/os_k8s/scale-out/${created.smo_id}`]] as const) {
      const response = await rig.request(method, path);
      expect([response.status, ((await response.json()) as { detail: string }).detail]).toEqual([404, 'OS K8S cluster not found']);
    }
    expect(await rig.json('/os_k8s/clusters')).toBe('No Registered OS_K8S Clusters');
    expect(await streamTypes(rig, created.smo_id)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioned', 'ClusterScaledOut', 'ClusterDecommissioned']);
  });

  it('a provisioning that fails in NFVCL is recorded as Failed with its reason; it can be deleted, not scaled', async () => {
    await registerVim(rig);
    rig.nfvcl.failNextProvisioning('OpenStack quota exceeded for instances');
    const created = await createCluster(rig);
    const failed = (await rig.clusterWhen(created.smo_id, 'Failed')) as unknown as ClusterView;
    expect(failed.failure).toEqual({ reason: api === 'current' ? 'task-failed' : 'blueprint-error', detail: 'OpenStack quota exceeded for instances' });
    expect(await streamTypes(rig, created.smo_id)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioningFailed']);
    const scale = await rig.request('POST', `/os_k8s/scale-out/${created.smo_id}`);
    expect([scale.status, ((await scale.json()) as { detail: string }).detail]).toEqual([409, `OS K8S cluster ${created.smo_id} is Failed; only a provisioned cluster can be scaled out`]);
    expect((await rig.request('DELETE', `/os_k8s/cluster/${created.smo_id}`)).status).toBe(200);
  });
});

/**
 * NFVCL answers add_node and delete at once (2024) or with a task (current), then does the work: a failure of that work
 * was never seen (SMO counted workers NFVCL never added, and showed no cluster for a blueprint whose VMs were still there).
 */
describe.each(['current', '2024'] as const)('a scale-out or delete that fails in NFVCL after it accepted it, %s NFVCL API', (api) => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig({ fake: { api } })));
  afterEach(async () => rig.stop());

  /** Polls `GET /os_k8s/cluster/<id>` (a view, or a 404 problem) until `done`. */
  async function clusterUntil(smoId: string, done: (view: Partial<ClusterView>) => boolean): Promise<ClusterView> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const view = await rig.json<Partial<ClusterView>>(`/os_k8s/cluster/${smoId}`);
      if (done(view)) return view as ClusterView;
      if (Date.now() > deadline) throw new Error(`cluster ${smoId}: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a failed add_node no longer counts its workers and shows why; a failed delete brings the cluster back, Failed, to delete again', async () => {
    await registerVim(rig);
    const created = await createCluster(rig);
    await rig.clusterWhen(created.smo_id, 'Provisioned');
    const blueprintId = [...rig.nfvcl.blueprints().keys()][0]!;

    rig.nfvcl.failNextDay2('No flavor fits the new workers');
    expect((await rig.request('POST', `/os_k8s/scale-out/${created.smo_id}`)).status).toBe(200);
    const scaled = await clusterUntil(created.smo_id, (view) => view.failure != null);
    expect(scaled).toMatchObject({ status: 'Provisioned', running_workers: 1, failure: { reason: 'scale-out-failed', detail: 'No flavor fits the new workers' } });

    rig.nfvcl.failNextDeletion('OpenStack could not delete the VMs');
    expect((await rig.request('DELETE', `/os_k8s/cluster/${created.smo_id}`)).status).toBe(200);
    const back = await clusterUntil(created.smo_id, (view) => view.smo_id !== undefined); // 404 while it is decommissioned
    expect(back).toMatchObject({ smo_id: created.smo_id, nfvcl_id: blueprintId, status: 'Failed', vim_name: 'os-brussels', failure: { reason: 'delete-failed', detail: 'OpenStack could not delete the VMs' } });
    expect(rig.nfvcl.blueprints().has(blueprintId)).toBe(true);
    expect(await streamTypes(rig, created.smo_id)).toEqual([
      'ClusterProvisioningRequested',
      'ClusterProvisioned',
      'ClusterScaledOut',
      'ClusterScaleOutFailed',
      'ClusterDecommissioned',
      'ClusterDeletionFailed',
    ]);

    // NFVCL deletes it the second time: the cluster is gone for good.
    expect((await rig.request('DELETE', `/os_k8s/cluster/${created.smo_id}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rig.nfvcl.blueprints().size).toBe(0);
    expect((await rig.request('GET', `/os_k8s/cluster/${created.smo_id}`)).status).toBe(404);
  });
});

describe.each(['current', '2024'] as const)('a blueprint removed from NFVCL by other means, %s NFVCL API', (api) => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig({ fake: { api } })));
  afterEach(async () => rig.stop());

  it('fails a provisioning at once (blueprint-gone), and its cluster is deleted from SMO without an error', async () => {
    await registerVim(rig);
    rig.nfvcl.holdNextProvisioning();
    const building = await createCluster(rig);
    rig.nfvcl.forgetTasks(); // NFVCL restarted too: the blueprint itself is followed
    rig.nfvcl.removeBlueprint([...rig.nfvcl.blueprints().keys()][0]!);
    const failed = (await rig.clusterWhen(building.smo_id, 'Failed', 5000)) as unknown as ClusterView;
    expect(failed.failure).toMatchObject({ reason: 'blueprint-gone' });

    const ready = await createCluster(rig);
    await rig.clusterWhen(ready.smo_id, 'Provisioned');
    rig.nfvcl.removeBlueprint([...rig.nfvcl.blueprints().keys()][0]!);
    for (const smoId of [ready.smo_id, building.smo_id]) {
      const removed = await rig.request('DELETE', `/os_k8s/cluster/${smoId}`);
      expect([smoId, removed.status]).toEqual([smoId, 200]);
    }
    expect(await rig.json('/os_k8s/clusters')).toBe('No Registered OS_K8S Clusters');
  });
});

describe('NFVCL OpenStack Kubernetes clusters: edge cases', () => {
  let rig: NfvclRig;
  afterEach(async () => rig.stop());

  it('takes the blueprint id from the finished task when NFVCL does not name it; a lost task without one is Failed', async () => {
    rig = await startNfvclRig({ fake: { namesBlueprintInDetail: false } });
    await registerVim(rig);
    const first = await createCluster(rig);
    const ready = (await rig.clusterWhen(first.smo_id, 'Provisioned')) as unknown as ClusterView;
    expect(ready.nfvcl_id).toBe([...rig.nfvcl.blueprints().keys()][0]);

    // NFVCL restarts and forgets the task: with no blueprint id to follow, the cluster is Failed, saying why.
    const second = await createCluster(rig);
    rig.nfvcl.forgetTasks();
    const failed = (await rig.clusterWhen(second.smo_id, 'Failed')) as unknown as ClusterView;
    expect(failed.failure).toEqual({ reason: 'no-blueprint-id', detail: expect.stringMatching(/^NFVCL no longer knows task [\w-]+ and named no blueprint for this cluster$/) });
  });

  it('follows the blueprint itself when NFVCL forgot the task but named the blueprint', async () => {
    rig = await startNfvclRig();
    await registerVim(rig);
    const created = await createCluster(rig);
    rig.nfvcl.forgetTasks();
    expect(((await rig.clusterWhen(created.smo_id, 'Provisioned')) as unknown as ClusterView).nfvcl_id).toMatch(/^BLUE/);
  });

  it('a cluster not ready in time is Failed (timeout); polling stops', async () => {
    rig = await startNfvclRig({ fake: { api: '2024', pollsUntilReady: 1_000_000 }, env: { NFVCL_PROVISION_TIMEOUT: '1' } });
    await registerVim(rig);
    const created = await createCluster(rig);
    const failed = (await rig.clusterWhen(created.smo_id, 'Failed', 5000)) as unknown as ClusterView;
    expect(failed.failure).toMatchObject({ reason: 'timeout', detail: expect.stringMatching(/^blueprint BLUE\w+ was not ready within 1 s$/) });
    const polls = rig.nfvcl.requests().length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rig.nfvcl.requests().length).toBe(polls);
  });

  it('a cluster that timed out is Provisioned by the next sync once NFVCL reports its blueprint ready', async () => {
    rig = await startNfvclRig({ fake: { api: '2024', pollsUntilReady: 1_000_000 }, env: { NFVCL_PROVISION_TIMEOUT: '1' } });
    await registerVim(rig);
    const created = await createCluster(rig);
    expect(((await rig.clusterWhen(created.smo_id, 'Failed', 5000)) as unknown as ClusterView).failure).toMatchObject({ reason: 'timeout' });
    const blueprint = [...rig.nfvcl.blueprints().values()][0]!;
    blueprint.operation = 'idle'; // NFVCL finished building it after SMO stopped waiting
    blueprint.ticksLeft = 0;
    const synced = await rig.request('POST', '/os_k8s/sync/nfvcl_k8s');
    expect(await synced.json()).toEqual([{ message: 'Existing Openstack k8s updated successfully', updated_nfvcl_k8s: [expect.objectContaining({ smo_id: created.smo_id, status: 'Provisioned', failure: null })] }]);
    expect(((await rig.json(`/os_k8s/cluster/${created.smo_id}`)) as ClusterView).status).toBe('Provisioned');
    expect(await streamTypes(rig, created.smo_id)).toEqual(['ClusterProvisioningRequested', 'ClusterProvisioningFailed', 'ClusterStateSynced', 'ClusterProvisioned']);
    // It can be scaled out now, as any provisioned cluster.
    expect((await rig.request('POST', `/os_k8s/scale-out/${created.smo_id}`)).status).toBe(200);
  });

  it('a cluster that never gets ready does not hold back the outcome of the ones asked for after it', async () => {
    rig = await startNfvclRig();
    await registerVim(rig);
    rig.nfvcl.holdNextProvisioning();
    const stuck = await createCluster(rig);
    const next = await createCluster(rig);
    // NFVCL builds the second in a few polls; SMO records it then, not once the first has timed out (20 s here).
    expect(((await rig.clusterWhen(next.smo_id, 'Provisioned', 5000)) as unknown as ClusterView).nfvcl_id).toMatch(/^BLUE/);
    expect(((await rig.json(`/os_k8s/cluster/${stuck.smo_id}`)) as ClusterView).status).toBe('Provisioning');
  });

  it('refuses bad requests before NFVCL: unknown VIM 404, bad body 400; NFVCL down 503 / refusing 502, nothing recorded', async () => {
    rig = await startNfvclRig();
    await registerVim(rig);
    const unknown = await rig.request('POST', '/os_k8s/clusters', { pop_area: 1, vim_name: 'os-brussels' });
    expect([unknown.status, ((await unknown.json()) as { detail: string }).detail]).toEqual([404, 'VIM not found']);
    const bad = await rig.request('POST', '/os_k8s/clusters', { pop_area: 'zero' });
    expect([bad.status, ((await bad.json()) as { detail: string }).detail]).toEqual([400, 'Missing key: vim_name; pop_area must be a non-negative integer']);
    expect((await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels', worker_replicas: 0 })).status).toBe(400);

    rig.nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 400, { status: 'failed', detail: 'No flavor fits the master', result: {}, task_id: null });
    const refused = await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
    expect([refused.status, typeOf(refused), ((await refused.json()) as { detail: string }).detail]).toEqual([
      502,
      PROBLEM,
      'NFVCL answered POST /nfvcl/v2/api/blue/k8s with 400: No flavor fits the master',
    ]);
    await rig.nfvcl.stop();
    const down = await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
    expect([down.status, typeOf(down)]).toEqual([503, PROBLEM]);
    expect((await rig.request('POST', '/os_k8s/sync/nfvcl_k8s')).status).toBe(503);
    expect(await rig.smo.runtime.eventStore.readAll({ filter: { streamCategories: ['oscluster'] } })).toEqual([]);
    expect(await rig.json('/os_k8s/clusters')).toBe('No Registered OS_K8S Clusters');
  });

  it('a retried create (same Idempotency-Key) answers the same cluster and asks NFVCL once', async () => {
    rig = await startNfvclRig();
    await registerVim(rig);
    const headers = { 'idempotency-key': 'cluster-request-0001' };
    const first = await createCluster(rig, undefined, headers);
    const again = await createCluster(rig, undefined, headers);
    expect(again).toEqual(first);
    expect(rig.nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s')).toHaveLength(1);
    // The same key for another cluster (more workers) is another request, refused; it had answered the first cluster.
    const other = await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels', worker_replicas: 2 }, headers);
    expect(other.status).toBe(409);
    expect(rig.nfvcl.requests().filter((r) => r.path === '/nfvcl/v2/api/blue/k8s')).toHaveLength(1);
  });

  it('an Idempotency-Key used for one NFVCL call is refused (409) for another kind of call or another cluster, and NFVCL is not asked', async () => {
    rig = await startNfvclRig();
    await registerVim(rig);
    const [first, second] = [await createCluster(rig), await createCluster(rig)];
    await rig.clusterWhen(first.smo_id, 'Provisioned');
    await rig.clusterWhen(second.smo_id, 'Provisioned');
    const key = { 'idempotency-key': 'scale-request-0001' };
    expect((await rig.request('POST', `/os_k8s/scale-out/${first.smo_id}`, undefined, key)).status).toBe(200);
    const asked = rig.nfvcl.requests().length;

    for (const [method, path, body] of [
      ['DELETE', `/os_k8s/cluster/${first.smo_id}`, undefined],
      ['POST', `/os_k8s/scale-out/${second.smo_id}`, undefined],
      ['POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' }],
      ['DELETE', '/vims/smo_vims/1', undefined],
    ] as const) {
      const refused = await rig.request(method, path, body, key);
      expect([method, path, refused.status, typeOf(refused), ((await refused.json()) as { detail: string }).detail]).toEqual([
        method,
        path,
        409,
        PROBLEM,
        'This Idempotency-Key was used for another request',
      ]);
    }
    expect(rig.nfvcl.requests().length).toBe(asked);
    const workers = Object.fromEntries(((await rig.json('/os_k8s/clusters')) as ClusterView[]).map((c) => [c.smo_id, c.running_workers]));
    expect(workers).toEqual({ [first.smo_id]: 2, [second.smo_id]: 1 });
    // The same call again with its key follows the first: no second worker.
    expect((await rig.request('POST', `/os_k8s/scale-out/${first.smo_id}`, undefined, key)).status).toBe(200);
    expect(((await rig.json(`/os_k8s/cluster/${first.smo_id}`)) as ClusterView).running_workers).toBe(2);
  });

  it('sync imports, updates and removes; B15: ?pop_area is an integer and removes only that area', async () => {
    rig = await startNfvclRig();
    const a0 = rig.nfvcl.addBlueprint({ id: 'AREA0', popArea: 0, workers: 1 });
    rig.nfvcl.addBlueprint({ id: 'AREA1', popArea: 1, workers: 2 });
    const sync = async (query = '') => {
      const response = await rig.request('POST', `/os_k8s/sync/nfvcl_k8s${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as Array<Record<string, unknown>>;
    };
    const added = await sync();
    expect(added).toEqual([
      {
        message: 'New Openstack k8s added successfully',
        added_nfvcl_k8s: [
          expect.objectContaining({ nfvcl_id: 'AREA0', pop_area: 0, running_workers: 1, status: 'Provisioned', origin: 'nfvcl-sync', mgmt_network: 'mgmt-net', service_network: 'service-net' }),
          expect.objectContaining({ nfvcl_id: 'AREA1', pop_area: 1, running_workers: 2 }),
        ],
      },
    ]);
    const ids = (added[0]!.added_nfvcl_k8s as ClusterView[]).map((c) => c.smo_id);
    expect(ids.map((id) => id.slice(0, 9))).toEqual(['OS_K8S_0_', 'OS_K8S_1_']);
    expect(await sync()).toEqual([{ message: 'Openstack k8s are already synced...' }]);

    a0.workers = 3;
    expect(await sync('?pop_area=0')).toEqual([{ message: 'Existing Openstack k8s updated successfully', updated_nfvcl_k8s: [expect.objectContaining({ smo_id: ids[0], running_workers: 3 })] }]);

    // Both blueprints vanish from NFVCL; a sync of area 1 removes area 1's cluster only (upstream wiped every other area too).
    rig.nfvcl.removeBlueprint('AREA0');
    rig.nfvcl.removeBlueprint('AREA1');
    expect(await sync('?pop_area=1')).toEqual([{ message: 'Deleted Openstack k8s successfully', deleted_nfvcl_k8s: [ids[1]] }]);
    expect(((await rig.json('/os_k8s/clusters')) as ClusterView[]).map((c) => c.smo_id)).toEqual([ids[0]]);
    expect(await sync()).toEqual([{ message: 'Deleted Openstack k8s successfully', deleted_nfvcl_k8s: [ids[0]] }]);
    expect(await streamTypes(rig, ids[0]!)).toEqual(['ClusterImported', 'ClusterStateSynced', 'ClusterDecommissioned']);
    rig.nfvcl.addBlueprint({ id: 'AREA2', popArea: 2 });
    expect((await sync())[0]).toMatchObject({ message: 'New Openstack k8s added successfully' });
    const { readStore, processing } = rig.smo.runtime;
    const before = await readStore.find('os-k8s-clusters');
    expect(before).toHaveLength(1);
    await processing.rebuild('os-k8s-clusters');
    expect(await readStore.find('os-k8s-clusters')).toEqual(before);

    const bad = await rig.request('POST', '/os_k8s/sync/nfvcl_k8s?pop_area=one');
    expect([bad.status, ((await bad.json()) as { detail: string }).detail]).toEqual([400, 'pop_area must be a non-negative integer']);
  });
});

describe('NFVCL OpenStack Kubernetes clusters across a restart', () => {
  /**
   * NFVCL_PROVISION_TIMEOUT bounds a provisioning from its request: the polling SMO resumes after a restart does not
   * start the time again (SMO restarted more often than the timeout had polled a cluster that never gets ready for ever).
   */
  it('a restart does not give a provisioning that never finishes its whole time again', async () => {
    const nfvcl = await FakeNfvcl.start({ api: '2024', pollsUntilReady: 1_000_000 });
    const env = { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '4', NFVCL_TIMEOUT: '5', SMO_CLUSTER_SYNC_INTERVAL: '3600' };
    let smo = await startApp(env);
    const { dataDir } = smo;
    try {
      const send = (method: string, path: string, body?: unknown) =>
        fetch(`${smo.url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
      expect((await send('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
      const created = await send('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
      expect(created.status).toBe(201);
      const { smo_id: smoId } = (await created.json()) as { smo_id: string };
      const requestedAt = Date.now();

      await new Promise((resolve) => setTimeout(resolve, 2500));
      await smo.close({ keepData: true });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, requestedAt + 4500 - Date.now())));
      smo = await startApp(env, { dataDir });
      const restartedAt = Date.now();
      let view: ClusterView;
      do {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = (await (await send('GET', `/os_k8s/cluster/${smoId}`)).json()) as ClusterView;
      } while (view.status === 'Provisioning' && Date.now() - restartedAt < 6000);
      expect({ status: view.status, reason: view.failure?.reason, withinTwoSecondsOfRestart: Date.now() - restartedAt < 2000 }).toEqual({ status: 'Failed', reason: 'timeout', withinTwoSecondsOfRestart: true });
    } finally {
      await smo.close();
      await nfvcl.stop();
    }
  });
});
