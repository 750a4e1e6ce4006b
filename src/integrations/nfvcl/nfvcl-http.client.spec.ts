import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeNfvcl, type RunningFakeNfvcl } from '../../../test/fakes/nfvcl/fake-nfvcl';
import { blueprintIdOf, blueprintOf } from './nfvcl-answers';
import { k8sAddNodeBody, k8sCreateBody, topologyBody, type VimRegistration } from './nfvcl-bodies';
import { NfvclHttpClient } from './nfvcl-http.client';
import { NfvclError } from './nfvcl.port';

const PASSWORD = 'client-spec-password-9c1e';
const vim: VimRegistration = {
  topology: 'topo',
  popArea: 0,
  vimName: 'os-a',
  tenantName: 'nephele',
  user: 'admin',
  password: PASSWORD,
  vimUrl: 'http://10.0.0.10:5000/v3',
  mgmtNetwork: { name: 'mgmt', cidr: '10.1.0.0/24', gateway: '10.1.0.1' },
  serviceNetwork: { name: 'svc', cidr: '10.2.0.0/24', gateway: '10.2.0.1' },
  useFloatingIp: false,
};
const fastRetry = { attempts: 3, initialDelayMs: 5, maxDelayMs: 10 };
const k8s = k8sCreateBody({ popArea: 0, mgmtNetwork: 'mgmt', serviceNetwork: 'svc', workerReplicas: 1 });

async function rejection(work: Promise<unknown>): Promise<NfvclError> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(NfvclError);
  return error as NfvclError;
}

describe('NFVCL HTTP client', () => {
  describe.each(['current', '2024'] as const)('against the %s API', (api) => {
    let nfvcl: RunningFakeNfvcl;
    let client: NfvclHttpClient;
    beforeEach(async () => {
      nfvcl = await FakeNfvcl.start({ api, pollsUntilReady: 2 });
      client = new NfvclHttpClient({ baseUrl: `${nfvcl.url}/`, timeoutMs: 2000, retry: fastRetry });
    });
    afterEach(async () => nfvcl.stop());

    it("sends upstream's topology body, password included, and reads the VIMs back without it", async () => {
      const answer = await client.registerVim(topologyBody(vim), [PASSWORD]);
      expect(answer).toMatchObject({ httpStatus: 200, mode: 'sync', taskId: null });
      const sent = nfvcl.requests().find((r) => r.method === 'POST' && r.path === '/v1/topology')!;
      expect(sent.body).toEqual({
        id: 'topo',
        callback: null,
        vims: [
          {
            name: 'os-a',
            vim_type: 'openstack',
            schema_version: '1.0',
            vim_url: 'http://10.0.0.10:5000/v3',
            vim_tenant_name: 'nephele',
            vim_user: 'admin',
            vim_password: PASSWORD,
            config: { insecure: true, APIversion: 'v3.3', use_floating_ip: false },
            networks: ['mgmt', 'svc'],
            areas: [0],
          },
        ],
        kubernetes: [],
        networks: [
          { name: 'mgmt', external: false, type: 'vxlan', vid: null, dhcp: true, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' },
          { name: 'svc', external: false, type: 'vxlan', vid: null, dhcp: true, ids: [], cidr: '10.2.0.0/24', gateway_ip: '10.2.0.1' },
        ],
        routers: [],
        pdus: [],
        prometheus_srv: [],
      });
      const vims = await client.topologyVims();
      expect(vims).toEqual([{ name: 'os-a', vimType: 'openstack', vimUrl: 'http://10.0.0.10:5000/v3', areas: [0], networks: ['mgmt', 'svc'], useFloatingIp: false }]);
      expect(JSON.stringify(vims)).not.toContain(PASSWORD);
    });

    it('adds a second VIM to the topology NFVCL already has (upstream could register one only)', async () => {
      await client.registerVim(topologyBody(vim), [PASSWORD]);
      const second = { ...vim, vimName: 'os-b', popArea: 1, serviceNetwork: { name: 'svc-b', cidr: '10.3.0.0/24', gateway: '10.3.0.1' } };
      await client.registerVim(topologyBody(second), [PASSWORD]);
      // NFVCL's topology is read first: a whole one is posted only when there is none (current NFVCL replaces it).
      expect(nfvcl.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        // No topology yet: the 2024 NFVCL answers 404, the current one 500 "No topology found".
        `GET /v1/topology ${api === '2024' ? 404 : 500}`,
        'POST /v1/topology 200',
        'GET /v1/topology 200',
        'POST /v1/topology/network 200',
        'POST /v1/topology/vim 200',
      ]);
      expect(nfvcl.requests().find((r) => r.path === '/v1/topology/network')!.body).toEqual({
        name: 'svc-b', external: false, type: 'vxlan', vid: null, dhcp: true, ids: [], cidr: '10.3.0.0/24', gateway_ip: '10.3.0.1',
      });
      expect((await client.topologyVims()).map((v) => [v.name, v.areas, v.networks])).toEqual([
        ['os-a', [0], ['mgmt', 'svc']],
        ['os-b', [1], ['mgmt', 'svc-b']],
      ]);
      // A VIM NFVCL already has is this one when its URL, user and password are (a request whose answer was lost);
      // with another password, it is NFVCL's refusal, as it answered it.
      const before = nfvcl.requests().length;
      expect(await client.registerVim(topologyBody(vim), [PASSWORD])).toMatchObject({ httpStatus: 200, body: { detail: "VIM os-a is in NFVCL's topology" } });
      expect(nfvcl.requests().slice(before).filter((r) => r.method === 'POST' && r.status < 300)).toEqual([]);
      expect(await rejection(client.registerVim(topologyBody({ ...vim, password: 'another-password' }), ['another-password']))).toMatchObject({ kind: 'refused', status: 409 });
    });

    it('never deletes a VIM whose name is not one path segment: `vim/..` was `DELETE /v1/topology/`, the whole topology', async () => {
      await client.registerVim(topologyBody(vim), [PASSWORD]);
      for (const name of ['..', '.', 'a/b']) await expect(client.deleteVim(name)).rejects.toThrow(`VIM name "${name}" cannot be a segment of NFVCL's path; not sent`);
      expect(nfvcl.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
      expect((await client.topologyVims()).map((v) => v.name)).toEqual(['os-a']);
    });

    it('creates a blueprint, follows it to ready, adds a node and deletes it', async () => {
      await client.registerVim(topologyBody(vim), [PASSWORD]);
      const created = await client.createK8sBlueprint(k8s);
      expect(created.blueprintId).toMatch(/^BLUE/);
      expect(created.mode).toBe(api === 'current' ? 'async' : 'sync');
      expect(created.taskId === null).toBe(api === '2024');
      if (created.taskId) {
        expect(await client.taskStatus(created.taskId)).toMatchObject({ done: false, error: false });
        expect(await client.taskStatus(created.taskId)).toMatchObject({ done: true, error: false, result: created.blueprintId });
      } else {
        expect((await client.getBlueprint(created.blueprintId!))!.phase).toBe('busy');
      }
      const ready = await client.getBlueprint(created.blueprintId!);
      expect(ready).toMatchObject({ id: created.blueprintId, popArea: 0, mgmtNetwork: 'mgmt', serviceNetwork: 'svc', workers: 1, phase: 'ready', masterFlavor: { vcpu_count: '4' } });

      const added = await client.addK8sNodes(created.blueprintId!, k8sAddNodeBody({ popArea: 0, mgmtNetwork: 'mgmt', serviceNetwork: 'svc', workerReplicas: 2 }));
      // Current NFVCL refuses POST for day-2 routes (405): the client then uses PUT.
      const methods = nfvcl.requests().filter((r) => r.path.endsWith('/add_node')).map((r) => `${r.method} ${r.status}`);
      expect(methods).toEqual(api === 'current' ? ['POST 405', `PUT 202`] : ['POST 200']);
      expect(added.taskId === null).toBe(api === '2024');
      expect((await client.listBlueprints()).map((b) => [b.id, b.workers])).toEqual([[created.blueprintId, 3]]);

      expect(await client.deleteBlueprint(created.blueprintId!)).toMatchObject({ mode: api === 'current' ? 'async' : 'sync' });
      expect(await client.deleteBlueprint(created.blueprintId!)).toBe('not-found');
      expect(await client.getBlueprint(created.blueprintId!)).toBeNull();
    });
  });

  describe('failures', () => {
    let nfvcl: RunningFakeNfvcl;
    let client: NfvclHttpClient;
    beforeEach(async () => {
      nfvcl = await FakeNfvcl.start();
      client = new NfvclHttpClient({ baseUrl: nfvcl.url, timeoutMs: 300, retry: fastRetry });
    });
    afterEach(async () => nfvcl.stop());

    it('retries a GET while NFVCL fails on its side, never a POST', async () => {
      nfvcl.failNext(503, 2);
      expect(await client.listBlueprints()).toEqual([]);
      expect(nfvcl.requests().map((r) => r.status)).toEqual([503, 503, 200]);

      nfvcl.failNext(503, 1);
      const error = await rejection(client.createK8sBlueprint(k8s));
      expect(error).toMatchObject({ kind: 'refused', status: 503, transient: true });
      expect(nfvcl.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
    });

    it('does not retry what NFVCL refused, and says why without echoing the request', async () => {
      nfvcl.failNextAt('POST', '/v1/topology', 422, (body: unknown) => ({ detail: [{ type: 'value_error', loc: ['body', 'vims', 0, 'vim_url'], msg: 'Invalid URL', input: body }] }));
      const error = await rejection(client.registerVim(topologyBody(vim), [PASSWORD]));
      expect(error.message).toBe('NFVCL answered POST /v1/topology with 422: body.vims.0.vim_url: Invalid URL');
      expect(error.kind).toBe('refused');

      // NFVCL's message itself quoting the password is masked.
      nfvcl.failNextAt('POST', '/v1/topology', 422, { detail: `Keystone refused ${PASSWORD}` });
      expect((await rejection(client.registerVim(topologyBody(vim), [PASSWORD]))).message).not.toContain(PASSWORD);
      // Current NFVCL answers an exception of its own as 500 {error, status_code}: its text is the message.
      nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 500, { error: 'The VIM of area ->9<- was not found in the topology.', status_code: 500 });
      expect((await rejection(client.createK8sBlueprint(k8s))).message).toBe('NFVCL answered POST /nfvcl/v2/api/blue/k8s with 500: The VIM of area ->9<- was not found in the topology.');
      // A failed async operation is HTTP 400 with `status: failed`.
      expect(await rejection(client.createK8sBlueprint(k8sCreateBody({ popArea: 9, mgmtNetwork: 'm', serviceNetwork: 's', workerReplicas: 1 })))).toMatchObject({
        kind: 'refused',
        status: 400,
        message: 'NFVCL answered POST /nfvcl/v2/api/blue/k8s with 400: No VIM serves area 9',
      });
    });

    it('scrubs secrets out of what NFVCL answers', async () => {
      const echoing = await FakeNfvcl.start({ echoTopology: true });
      try {
        const answer = await new NfvclHttpClient({ baseUrl: echoing.url, timeoutMs: 1000 }).registerVim(topologyBody(vim), [PASSWORD]);
        expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
        expect(answer.body).toMatchObject({ id: 'topo', vims: [{ name: 'os-a', vim_password: '[redacted]' }] });
      } finally {
        await echoing.stop();
      }
    });

    it('times out, and refuses redirects', async () => {
      nfvcl.delayNext(1000, 1);
      expect(await rejection(client.createK8sBlueprint(k8s))).toMatchObject({ kind: 'timeout', message: 'NFVCL did not answer POST /nfvcl/v2/api/blue/k8s within 300 ms' });

      const redirecting = createServer((_request, response) => response.writeHead(307, { location: 'http://127.0.0.1:1/steal' }).end());
      await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
      try {
        const port = (redirecting.address() as AddressInfo).port;
        const error = await rejection(new NfvclHttpClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 1000, retry: fastRetry }).registerVim(topologyBody(vim), [PASSWORD]));
        expect(error).toMatchObject({ kind: 'invalid-answer', status: 307 });
      } finally {
        redirecting.close();
      }
    });

    it('reports an unreachable NFVCL after bounded retries of a GET', async () => {
      await nfvcl.stop();
      const error = await rejection(client.listBlueprints());
      expect(error).toMatchObject({ kind: 'unreachable', status: null });
      expect(error.message).toBe('cannot reach NFVCL (GET /nfvcl/v2/api/blue/): fetch failed: ECONNREFUSED');
      nfvcl = await FakeNfvcl.start(); // for afterEach
    });
  });

  describe('answers', () => {
    it('finds the blueprint id in `detail` (2024) or in a task result (current)', () => {
      expect(blueprintIdOf({ status: 'deploying', detail: 'Blueprint COEU04 is being deployed...', result: {}, task_id: 't' })).toBe('COEU04');
      expect(blueprintIdOf({ status: 'deploying', detail: 'Blueprint is being deployed...', result: 'ABC123' })).toBe('ABC123');
      expect(blueprintIdOf({ detail: 'Blueprint is being deployed...' })).toBeNull();
      expect(blueprintIdOf('nonsense')).toBeNull();
    });

    it("reads a 2024 blueprint the way upstream's sync did (B15: a string area is an integer)", () => {
      const blue = blueprintOf({
        id: 'OLD01',
        type: 'K8sBlueprint',
        state: { master_area: { area_id: '3', mgmt_net: 'm', service_net: 's' }, progressive_worker_number: 2 },
        create_config: { master_flavors: { vcpu_count: '2' } },
        status: { error: false, current_operation: 'idle', detail: '' },
      });
      expect(blue).toEqual({ id: 'OLD01', type: 'K8sBlueprint', popArea: 3, mgmtNetwork: 'm', serviceNetwork: 's', masterFlavor: { vcpu_count: '2' }, workers: 2, requestedMaster: null, phase: 'ready', destroying: false, detail: null });
      expect(blueprintOf({ id: 'X1', status: { error: true, current_operation: 'idle', detail: 'boom' } })).toMatchObject({ phase: 'error', detail: 'boom', popArea: null });
      expect(blueprintOf({ id: 'X1', status: { error: false, current_operation: 'deploying' } })).toMatchObject({ phase: 'busy' });
    });

    it('keeps only the sizes of master_flavors: no other key (a password), no long value, nothing unbounded', () => {
      const flavors = { vcpu_count: 4, memory_mb: '8192', storage_gb: 'x'.repeat(33), admin_password: 's3cret', extra: { nested: 'y'.repeat(2_000_000) } };
      expect(blueprintOf({ id: 'F1', create_config: { master_flavors: flavors } })?.masterFlavor).toEqual({ vcpu_count: 4, memory_mb: '8192' });
      expect(blueprintOf({ id: 'F2', create_config: { master_flavors: { token: 't' } } })?.masterFlavor).toBeNull();
      expect(blueprintOf({ id: 'F3', create_config: { master_flavors: 'large' } })?.masterFlavor).toBeNull();
    });
  });
});
