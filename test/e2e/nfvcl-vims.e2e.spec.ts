import { startApp } from '../support/app';
import { startNfvclRig, vimBody, type NfvclRig } from '../support/nfvcl-rig';

const PROBLEM = 'application/problem+json';
const typeOf = (response: Response) => response.headers.get('content-type')?.split(';')[0];

describe('NFVCL VIM routes', () => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig()));
  afterEach(async () => rig.stop());

  it('register → get → list (by area, B16: always a list) → delete → 404, with upstream messages', async () => {
    const empty = await rig.request('GET', '/vims/smo_vims');
    expect([empty.status, typeOf(empty), await empty.json()]).toEqual([200, 'application/json', 'No Registered VIMs (or check pop_area)']);

    const created = await rig.request('POST', '/vims/smo_vims', vimBody());
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/vims/smo_vims/1');
    const vim = {
      id: 1,
      pop_area: 0,
      vim_name: 'os-brussels',
      vim_url: 'http://10.0.0.10:5000/v3',
      vim_type: 'Openstack',
      vim_networks: [
        { name: 'mgmt-net', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
        { name: 'service-net', cidr: '192.168.20.0/24', gateway: '192.168.20.1' },
      ],
      mgmt_network: 'mgmt-net',
      service_network: 'service-net',
      use_floating_ip: true,
    };
    // B16: upstream answered "OS K8S cluster created successfully" here.
    expect(await created.json()).toEqual({ message: 'VIM created successfully', NFVCL_Response: { status: 'ready', detail: 'Topology created', result: {}, task_id: null }, vim });
    expect(rig.nfvcl.topology()).toMatchObject({ id: 'nephele-topology', vims: [{ name: 'os-brussels', vim_password: 'not-a-secret-in-this-test', areas: [0] }] });

    // B15: pop_area may arrive as a string of digits; it is stored as an integer.
    const second = await rig.request('POST', '/vims/smo_vims', vimBody({ vim_name: 'os-athens', pop_area: '1', service_network: { name: 'svc-athens', cidr: '10.9.0.0/24', gateway: '10.9.0.1' } }));
    expect(second.status).toBe(201);
    expect(((await second.json()) as { vim: { id: number; pop_area: number } }).vim).toMatchObject({ id: 2, pop_area: 1 });

    expect(await rig.json('/vims/smo_vims/1')).toEqual(vim);
    expect(await rig.json('/vims/smo_vims')).toEqual({ 'SMO VIMs': [vim, expect.objectContaining({ id: 2 })] });
    expect(await rig.json('/vims/smo_vims?pop_area=0')).toEqual({ 'SMO VIMs': [vim] });
    expect(await rig.json('/vims/smo_vims?pop_area=7')).toBe('No Registered VIMs (or check pop_area)');
    const badArea = await rig.request('GET', '/vims/smo_vims?pop_area=zero');
    expect([badArea.status, typeOf(badArea)]).toEqual([400, PROBLEM]);

    const removed = await rig.request('DELETE', '/vims/smo_vims/1');
    expect(await removed.json()).toEqual({ message: 'VIM with SMO ID 1 deleted successfully', NFVCL_Response: { detail: 'VIM os-brussels deleted' } });
    // B16: the DELETE reached NFVCL (upstream called a URL without the NFVCL base).
    expect(rig.nfvcl.requests().filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/v1/topology/vim/os-brussels']);
    const gone = await rig.request('GET', '/vims/smo_vims/1');
    expect([gone.status, typeOf(gone), ((await gone.json()) as { detail: string }).detail]).toEqual([404, PROBLEM, 'VIM with SMO ID 1 not found']);
    expect((await rig.request('DELETE', '/vims/smo_vims/1')).status).toBe(404);
    expect((await rig.request('GET', '/vims/smo_vims/abc')).status).toBe(404);

    // Ids are never reused: the next VIM is 3, not 1.
    const third = await rig.request('POST', '/vims/smo_vims', vimBody({ vim_name: 'os-rome', pop_area: 2, service_network: { name: 'svc-rome', cidr: '10.8.0.0/24', gateway: '10.8.0.1' } }));
    expect(((await third.json()) as { vim: { id: number } }).vim.id).toBe(3);

    // The read model is a pure fold of the events: a rebuild gives the same documents (tombstone included).
    const { readStore, processing } = rig.smo.runtime;
    const before = await readStore.find('vims', { orderBy: [{ field: 'vimId' }] });
    expect(before.map((d) => [d.id, (d.doc as { removed: boolean }).removed])).toEqual([['1', true], ['2', false], ['3', false]]);
    await processing.rebuild('vims');
    expect(await readStore.find('vims', { orderBy: [{ field: 'vimId' }] })).toEqual(before);
  });

  it('refuses a bad body naming every key, a duplicate name, and a non-JSON body; nothing reaches NFVCL', async () => {
    const { vim_password: _p, mgmt_network: _m, ...missing } = vimBody();
    const incomplete = await rig.request('POST', '/vims/smo_vims', { ...missing, pop_area: -1 });
    expect(incomplete.status).toBe(400);
    expect(await incomplete.json()).toMatchObject({
      status: 400,
      detail: 'Missing keys: vim_password, mgmt_network; pop_area must be a non-negative integer',
      errors: [
        { pointer: '/pop_area', message: 'must be a non-negative integer' },
        { pointer: '/vim_password', message: 'is required' },
        { pointer: '/mgmt_network', message: 'is required' },
      ],
    });
    expect((await rig.request('POST', '/vims/smo_vims', 'topology: x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(rig.nfvcl.requests()).toEqual([]);

    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    const duplicate = await rig.request('POST', '/vims/smo_vims', vimBody());
    expect([duplicate.status, ((await duplicate.json()) as { detail: string }).detail]).toEqual([409, 'VIM with name os-brussels already exists']);
    expect(rig.nfvcl.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/topology', 'POST /v1/topology']);
  });

  /**
   * NFVCL logs in to `vim_url` with the VIM's credentials (reliability-security.md B.4, SSRF): a Keystone endpoint is
   * never NFVCL's own loopback, a link-local address (the cloud metadata service) or the unspecified address, however
   * the address is spelled (URL parsing, like inet_aton, reads 2852039166 and 0x7f.1 as 169.254.169.254 and 127.0.0.1).
   */
  it('refuses a vim_url on a loopback, link-local or unspecified host (400 naming vim_url); nothing reaches NFVCL', async () => {
    for (const vimUrl of ['http://169.254.169.254/latest', 'http://2852039166:5000/v3', 'http://127.0.0.1:5000/v3', 'http://0x7f.1:5000/v3', 'https://localhost/v3', 'http://keystone.localhost/v3', 'http://0.0.0.0:5000/v3']) {
      const refused = await rig.request('POST', '/vims/smo_vims', vimBody({ vim_url: vimUrl }));
      expect([vimUrl, refused.status, typeOf(refused), ((await refused.json()) as { errors: unknown[] }).errors]).toEqual([
        vimUrl,
        400,
        PROBLEM,
        [{ pointer: '/vim_url', message: 'must not be a loopback, link-local (cloud metadata) or unspecified address: NFVCL sends the VIM credentials there' }],
      ]);
    }
    expect(rig.nfvcl.requests()).toEqual([]);
    expect((await rig.request('POST', '/vims/smo_vims', vimBody({ vim_url: 'https://keystone.example.org:5000/v3' }))).status).toBe(201);
  });

  it('a retried registration (same Idempotency-Key) answers the same and registers once', async () => {
    const headers = { 'idempotency-key': 'vim-registration-0001' };
    const first = await rig.request('POST', '/vims/smo_vims', vimBody(), headers);
    const again = await rig.request('POST', '/vims/smo_vims', vimBody(), headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(await again.json()).toEqual(await first.json());
    expect(rig.nfvcl.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('NFVCL unreachable or refusing: 503 / 502 problem, nothing recorded', async () => {
    rig.nfvcl.failNextAt('POST', '/v1/topology', 500, { detail: 'Internal Server Error' });
    const refused = await rig.request('POST', '/vims/smo_vims', vimBody());
    expect([refused.status, typeOf(refused)]).toEqual([502, PROBLEM]);
    expect(await refused.json()).toMatchObject({ detail: 'NFVCL answered POST /v1/topology with 500: Internal Server Error', nfvcl: { kind: 'refused', status: 500 } });

    await rig.nfvcl.stop();
    const unreachable = await rig.request('POST', '/vims/smo_vims', vimBody());
    expect([unreachable.status, typeOf(unreachable)]).toEqual([503, PROBLEM]);
    expect(((await unreachable.json()) as { detail: string }).detail).toMatch(/^cannot reach NFVCL \(GET \/v1\/topology\)/);
    expect((await rig.request('GET', '/vims/sync/nfvcl_vims')).status).toBe(503);

    expect(await rig.json('/vims/smo_vims')).toBe('No Registered VIMs (or check pop_area)');
    expect(await rig.smo.runtime.eventStore.readAll({ filter: { streamCategories: ['vim'] } })).toEqual([]);
  });

  it("sync registers NFVCL's VIMs SMO does not know, with upstream's messages", async () => {
    const nothing = await rig.request('GET', '/vims/sync/nfvcl_vims');
    expect([nothing.status, await nothing.json()]).toEqual([200, { message: 'No new VIMs obtained by the NFVCL and no existing VIMs in the database.' }]);

    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    // A VIM added to NFVCL by someone else.
    await fetch(`${rig.nfvcl.url}/v1/topology/vim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'os-external', vim_type: 'openstack', vim_url: 'http://10.5.0.1:5000/v3', vim_password: 'external-pw', networks: ['ext-mgmt', 'ext-svc', 'ext-3'], areas: [5], config: { use_floating_ip: true } }),
    });
    const added = await rig.request('GET', '/vims/sync/nfvcl_vims');
    expect(await added.json()).toEqual({
      message: 'VIMs added successfully',
      vims: [{ id: 2, pop_area: 5, vim_name: 'os-external', vim_url: 'http://10.5.0.1:5000/v3', vim_type: 'openstack', vim_networks: ['ext-mgmt', 'ext-svc', 'ext-3'], mgmt_network: 'ext-mgmt', service_network: 'ext-svc', use_floating_ip: true }],
    });
    const again = (await (await rig.request('POST', '/vims/sync/nfvcl_vims')).json()) as { message: string; vims: unknown[] };
    expect([again.message, again.vims.length]).toEqual(['No new VIMs obtained by the NFVCL. Existing VIMs:', 2]);
  });
});

describe.each(['current', '2024'] as const)('a second VIM, %s NFVCL API', (api) => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig({ fake: { api } })));
  afterEach(async () => rig.stop());

  /** Current NFVCL's POST /v1/topology replaces the topology it has (TopologyManager.create_topology): every VIM, network and cluster entry. */
  it("is added to NFVCL's topology, which keeps the first", async () => {
    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    const second = vimBody({ vim_name: 'os-athens', pop_area: 1, service_network: { name: 'svc-athens', cidr: '10.9.0.0/24', gateway: '10.9.0.1' } });
    expect((await rig.request('POST', '/vims/smo_vims', second)).status).toBe(201);
    const topology = rig.nfvcl.topology() as { vims: { name: string }[]; networks: { name: string }[] };
    expect({ vims: topology.vims.map((v) => v.name), networks: topology.networks.map((n) => n.name) }).toEqual({
      vims: ['os-brussels', 'os-athens'],
      networks: ['mgmt-net', 'service-net', 'svc-athens'],
    });
  });
});

describe('a VIM registration whose answer was lost', () => {
  let rig: NfvclRig;
  afterEach(async () => rig.stop());

  /**
   * NFVCL stored the topology but its answer came after NFVCL_TIMEOUT (or SMO stopped before recording it): SMO answered
   * 504 and recorded nothing. The repeated request found the VIM in NFVCL and answered 502 for ever (only the sync could
   * bring it in, without its tenant and user). The VIM NFVCL has, with the same URL, user and password, is this one.
   */
  it('is completed by the repeated request; a VIM of that name with other credentials is still refused', async () => {
    rig = await startNfvclRig({ env: { NFVCL_TIMEOUT: '1' } });
    rig.nfvcl.delayAnswerTo('POST', '/v1/topology', 1500);
    const headers = { 'idempotency-key': 'vim-lost-answer-1' };
    const lost = await rig.request('POST', '/vims/smo_vims', vimBody(), headers);
    expect([lost.status, typeOf(lost)]).toEqual([504, PROBLEM]);
    expect((rig.nfvcl.topology()?.vims as { name: string }[]).map((v) => v.name)).toEqual(['os-brussels']);
    expect(await rig.json('/vims/smo_vims')).toBe('No Registered VIMs (or check pop_area)');

    const other = await rig.request('POST', '/vims/smo_vims', vimBody({ vim_password: 'someone-elses-password' }));
    expect([other.status, typeOf(other)]).toEqual([502, PROBLEM]);

    const again = await rig.request('POST', '/vims/smo_vims', vimBody(), headers);
    expect(again.status).toBe(201);
    expect(((await again.json()) as { vim: unknown }).vim).toMatchObject({ id: 1, vim_name: 'os-brussels', pop_area: 0, mgmt_network: 'mgmt-net', service_network: 'service-net' });
    expect((rig.nfvcl.topology()?.vims as { name: string }[]).map((v) => v.name)).toEqual(['os-brussels']);
    expect(rig.nfvcl.requests().filter((r) => r.method === 'POST' && r.status < 300).map((r) => r.path)).toEqual(['/v1/topology']);
  });
});

describe('deleting a VIM that clusters are built on', () => {
  let rig: NfvclRig;
  afterEach(async () => rig.stop());

  /**
   * NFVCL finds a blueprint's VIM through the topology (by area) to build, scale and delete its VMs, and deletes a
   * VIM without looking at blueprints: removed under a cluster, the cluster's VMs could no longer be deleted by NFVCL.
   */
  it('is refused (409) while a cluster of its area is provisioning, provisioned or imported; NFVCL keeps it', async () => {
    rig = await startNfvclRig({ fake: { pollsUntilReady: 1_000_000 } });
    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    const created = await rig.request('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
    expect(created.status).toBe(201);
    const { smo_id: smoId } = (await created.json()) as { smo_id: string };

    const refused = await rig.request('DELETE', '/vims/smo_vims/1');
    expect([refused.status, typeOf(refused), ((await refused.json()) as { detail: string }).detail]).toEqual([
      409,
      PROBLEM,
      `VIM os-brussels still has OS K8S clusters (${smoId}); delete them first`,
    ]);
    expect(rig.nfvcl.requests().filter((r) => r.path.startsWith('/v1/topology') && r.method === 'DELETE')).toEqual([]);
    expect((rig.nfvcl.topology()?.vims as { name: string }[]).map((v) => v.name)).toEqual(['os-brussels']);

    expect((await rig.request('DELETE', `/os_k8s/cluster/${smoId}`)).status).toBe(200);
    // A cluster someone else built in the area, found by the sync, holds the VIM too.
    rig.nfvcl.addBlueprint({ id: 'OTHER0', popArea: 0 });
    expect((await rig.request('POST', '/os_k8s/sync/nfvcl_k8s')).status).toBe(200);
    expect((await rig.request('DELETE', '/vims/smo_vims/1')).status).toBe(409);
    rig.nfvcl.removeBlueprint('OTHER0');
    expect((await rig.request('POST', '/os_k8s/sync/nfvcl_k8s')).status).toBe(200);

    const removed = await rig.request('DELETE', '/vims/smo_vims/1');
    expect(removed.status).toBe(200);
    expect(rig.nfvcl.topology()?.vims).toEqual([]);
  });
});

describe.each(['current', '2024'] as const)('deleting a VIM NFVCL no longer has, %s NFVCL API', (api) => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig({ fake: { api } })));
  afterEach(async () => rig.stop());

  /** Current NFVCL answers the delete of a VIM it does not have with 500 {error} (a ValueError), not 404: SMO could never remove its record. */
  it('removes it from SMO (NFVCL does not have it: nothing to delete there)', async () => {
    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    rig.nfvcl.removeVim('os-brussels');
    const removed = await rig.request('DELETE', '/vims/smo_vims/1');
    expect([removed.status, await removed.json()]).toEqual([200, { message: 'VIM with SMO ID 1 deleted successfully', NFVCL_Response: null }]);
    expect(await rig.json('/vims/smo_vims')).toBe('No Registered VIMs (or check pop_area)');
  });
});

describe('VIM names that cannot be a segment of NFVCL\'s path', () => {
  let rig: NfvclRig;
  beforeEach(async () => (rig = await startNfvclRig()));
  afterEach(async () => rig.stop());

  /**
   * A VIM is deleted with `DELETE /v1/topology/vim/{name}`. URL parsing turns a name ".." into
   * `DELETE /v1/topology/`, which is NFVCL's "delete the whole topology" (every VIM, network and
   * Kubernetes entry); a name with "/" never reaches the VIM route (404, taken as "already gone").
   */
  it('refuses to register them (400 naming vim_name), and deleting one found by the sync leaves NFVCL\'s topology alone', async () => {
    for (const name of ['..', '.', 'a/b']) {
      const refused = await rig.request('POST', '/vims/smo_vims', vimBody({ vim_name: name, pop_area: 3 }));
      expect([name, refused.status, typeOf(refused), ((await refused.json()) as { errors: unknown[] }).errors]).toEqual([
        name,
        400,
        PROBLEM,
        [{ pointer: '/vim_name', message: 'must not be "." or ".." nor contain "/" (it names the VIM in NFVCL\'s paths)' }],
      ]);
    }
    expect(rig.nfvcl.requests()).toEqual([]);

    expect((await rig.request('POST', '/vims/smo_vims', vimBody())).status).toBe(201);
    // Someone else added such VIMs to NFVCL; the sync imports them as they are named there.
    for (const [name, area] of [['..', 5], ['a/b', 6]] as const) {
      await fetch(`${rig.nfvcl.url}/v1/topology/vim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, vim_type: 'openstack', vim_url: 'http://10.5.0.1:5000/v3', vim_password: 'pw', networks: ['mgmt-net', 'service-net'], areas: [area] }),
      });
    }
    expect((await rig.request('GET', '/vims/sync/nfvcl_vims')).status).toBe(200);
    for (const [id, name] of [[2, '..'], [3, 'a/b']] as const) {
      const removal = await rig.request('DELETE', `/vims/smo_vims/${id}`);
      expect([id, removal.status, typeOf(removal), ((await removal.json()) as { detail: string }).detail]).toEqual([
        id,
        409,
        PROBLEM,
        `VIM name "${name}" cannot be named in NFVCL's path, so NFVCL's API cannot delete it; remove it in NFVCL, then delete it here`,
      ]);
    }
    expect(rig.nfvcl.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
    expect((rig.nfvcl.topology()?.vims as { name: string }[]).map((v) => v.name)).toEqual(['os-brussels', '..', 'a/b']);
    expect(((await rig.json('/vims/smo_vims')) as { 'SMO VIMs': unknown[] })['SMO VIMs']).toHaveLength(3);

    // Removed in NFVCL by its own means, it is removed from SMO (nothing is asked of NFVCL).
    rig.nfvcl.removeVim('..');
    expect((await rig.request('DELETE', '/vims/smo_vims/2')).status).toBe(200);
    expect(rig.nfvcl.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
    expect((rig.nfvcl.topology()?.vims as { name: string }[]).map((v) => v.name)).toEqual(['os-brussels', 'a/b']);
    expect(((await rig.json('/vims/smo_vims')) as { 'SMO VIMs': { vim_name: string }[] })['SMO VIMs'].map((v) => v.vim_name)).toEqual(['os-brussels', 'a/b']);
  });
});

describe('NFVCL routes without NFVCL_BASE_URL', () => {
  it('answer 503 "NFVCL is not configured"; reads of what SMO recorded still work', async () => {
    const smo = await startApp({ SMO_CLUSTER_SYNC_INTERVAL: '3600' });
    try {
      for (const [method, path] of [
        ['POST', '/vims/smo_vims'],
        ['GET', '/vims/sync/nfvcl_vims'],
        ['DELETE', '/vims/smo_vims/1'],
        ['POST', '/os_k8s/clusters'],
        ['DELETE', '/os_k8s/cluster/OS_K8S_0_abcde'],
        ['POST', '/os_k8s/scale-out/OS_K8S_0_abcde'],
        ['POST', '/os_k8s/sync/nfvcl_k8s'],
      ] as const) {
        const response = await fetch(`${smo.url}${path}`, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: '{}' } : { method });
        expect([path, response.status, typeOf(response)]).toEqual([path, 503, PROBLEM]);
        expect(await response.json()).toMatchObject({ detail: 'NFVCL is not configured' });
      }
      expect(await (await fetch(`${smo.url}/os_k8s/clusters`)).json()).toBe('No Registered OS_K8S Clusters');
      const health = (await (await fetch(`${smo.url}/health`)).json()) as { integrations: Array<{ name: string; mode: string }> };
      expect(health.integrations).toContainEqual({ name: 'nfvcl', mode: 'disabled', detail: 'NFVCL_BASE_URL not set' });
    } finally {
      await smo.close();
    }
  });
});
