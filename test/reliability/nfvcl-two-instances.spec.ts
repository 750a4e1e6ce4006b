import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeNfvcl, type RunningFakeNfvcl } from '../fakes/nfvcl/fake-nfvcl';
import { startApp, type RunningApp } from '../support/app';
import { vimBody } from '../support/nfvcl-rig';
import { eventually } from '../support/smo-process';

const BLUEPRINTS = '/nfvcl/v2/api/blue/k8s';

/**
 * Two SMO instances over one SQLite store and one (fake) NFVCL. A request may reach either; the
 * NFVCL change is recorded as an intent first and made by the NFVCL calls processor, which one
 * instance owns at a time: the same request sent to both asks NFVCL once, and its outcome is
 * recorded once.
 */
describe('NFVCL changes with two SMO instances over one store', () => {
  let dir: string;
  let nfvcl: RunningFakeNfvcl;
  let first: RunningApp;
  let second: RunningApp;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-nfvcl-two-'));
    nfvcl = await FakeNfvcl.start({ pollsUntilReady: 2 });
    const env = { NFVCL_BASE_URL: nfvcl.url, NFVCL_POLL_INTERVAL_MS: '20', NFVCL_PROVISION_TIMEOUT: '20', NFVCL_TIMEOUT: '5', SMO_CLUSTER_SYNC_INTERVAL: '3600', SMO_LEASE_TTL: '2' };
    first = await startApp(env, { dataDir: dir });
    second = await startApp(env, { dataDir: dir });
    const registered = await send(first, 'POST', '/vims/smo_vims', vimBody());
    expect(registered.status).toBe(201);
  });
  afterEach(async () => {
    await second.close({ keepData: true });
    await first.close({ keepData: true });
    await nfvcl.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (smo: RunningApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${smo.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const nfvclCalls = (method: string, path: string) => nfvcl.requests().filter((r) => r.method === method && r.path.startsWith(path)).length;
  const eventsOf = async (streamId: string) => (await first.runtime.eventStore.readStream(streamId)).map((e) => e.type);

  it('one create request sent to both instances asks NFVCL for one blueprint and records it once', async () => {
    const headers = { 'idempotency-key': 'two-instances-create-1' };
    const answers = await Promise.all([first, second].map((smo) => send(smo, 'POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' }, headers)));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { smo_id: string; NFVCL_Response: unknown }[];
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(bodies[1]!.smo_id).toBe(bodies[0]!.smo_id);
    expect(bodies[1]!.NFVCL_Response).toEqual(bodies[0]!.NFVCL_Response);
    expect(nfvclCalls('POST', BLUEPRINTS)).toBe(1);
    const smoId = bodies[0]!.smo_id;
    // One instance made the call: the processor runs on one and stands by on the other.
    const states = await Promise.all([first, second].map(async (smo) => (await smo.runtime.processing.report()).find((r) => r.name === 'nfvcl-calls')?.state));
    expect(states.sort()).toEqual(['running', 'standby']);
    expect((await eventsOf(`oscluster-${smoId}`)).filter((t) => t === 'ClusterProvisioningRequested')).toHaveLength(1);
    expect(nfvcl.blueprints().size).toBe(1);

    // Deleting it from both instances at once (two requests, no shared key): NFVCL deletes the blueprint once.
    const provisioned = async () => ((await (await send(second, 'GET', `/os_k8s/cluster/${smoId}`)).json()) as { status: string }).status;
    await eventually(async () => ((await provisioned()) === 'Provisioned' ? true : undefined), 5_000, 'cluster provisioned');
    const deletes = await Promise.all([first, second].map((smo) => send(smo, 'DELETE', `/os_k8s/cluster/${smoId}`)));
    // Whichever came second finds the cluster gone (404) or, if its intent came first, deleted it itself.
    expect(deletes.map((d) => d.status).sort()).toEqual([200, 404]);
    expect(nfvclCalls('DELETE', '/nfvcl/v2/api/blue/')).toBe(1);
    expect((await eventsOf(`oscluster-${smoId}`)).filter((t) => t === 'ClusterDecommissioned')).toHaveLength(1);
  });

  it('an NFVCL failure is the outcome of the call on both instances: nothing is recorded for the cluster', async () => {
    nfvcl.failNextAt('POST', '/nfvcl/v2/api/blue/k8s', 500, { detail: 'no capacity' });
    const headers = { 'idempotency-key': 'two-instances-create-2' };
    const answers = await Promise.all([first, second].map((smo) => send(smo, 'POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' }, headers)));
    expect(answers.map((a) => a.status)).toEqual([502, 502]);
    const problems = (await Promise.all(answers.map((a) => a.json()))) as { detail: string; nfvcl: unknown }[];
    expect(problems[0]).toMatchObject({ detail: expect.stringContaining('no capacity'), nfvcl: { kind: 'refused', status: 500 } });
    expect(problems[1]).toEqual(problems[0]);
    expect(nfvclCalls('POST', BLUEPRINTS)).toBe(1);
    expect(await (await send(first, 'GET', '/os_k8s/clusters')).json()).toBe('No Registered OS_K8S Clusters');
  });

  const vimWrites = () => nfvclCalls('POST', '/v1/topology/vim');
  const vimsNamed = async (name: string) => {
    const listed = (await (await send(second, 'GET', '/vims/smo_vims')).json()) as { 'SMO VIMs': { id: number; vim_name: string }[] };
    return listed['SMO VIMs'].filter((vim) => vim.vim_name === name);
  };

  it('two registrations of one VIM name on the two instances at once: NFVCL is asked once, one VIM is recorded, the other request gets 409', async () => {
    const before = vimWrites();
    nfvcl.delayNext(300, 4); // NFVCL is slow: both requests are in flight together
    const answers = await Promise.all(
      [first, second].map((smo, index) => send(smo, 'POST', '/vims/smo_vims', vimBody({ vim_name: 'os-antwerp', pop_area: 1 }), { 'idempotency-key': `antwerp-${index}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const refused = (await answers.find((a) => a.status === 409)!.json()) as { detail: string };
    expect(refused.detail).toBe('VIM with name os-antwerp already exists');
    expect(vimWrites() - before).toBe(1);
    expect(await vimsNamed('os-antwerp')).toHaveLength(1);
  });

  it('a VIM sync on one instance while the other registers that VIM (NFVCL has it, SMO has not recorded it yet) records it once', async () => {
    nfvcl.delayAnswerTo('POST', '/v1/topology/vim', 1500);
    const registering = send(first, 'POST', '/vims/smo_vims', vimBody({ vim_name: 'os-liege', pop_area: 3 }));
    await eventually(async () => (nfvcl.requests().some((r) => r.method === 'POST' && r.path === '/v1/topology/vim' && (r.body as { name?: string }).name === 'os-liege') ? true : undefined), 5_000, 'NFVCL has os-liege');
    const synced = await send(second, 'POST', '/vims/sync/nfvcl_vims');
    expect(synced.status).toBe(200);
    expect(((await synced.json()) as { message: string }).message).toBe('No new VIMs obtained by the NFVCL. Existing VIMs:');
    expect((await registering).status).toBe(201);
    expect(await vimsNamed('os-liege')).toHaveLength(1);
  });

  it('one registration sent to both instances (same Idempotency-Key): NFVCL is asked once and both answer the same VIM', async () => {
    const before = vimWrites();
    nfvcl.delayNext(300, 4);
    const headers = { 'idempotency-key': 'ghent-once' };
    const answers = await Promise.all([first, second].map((smo) => send(smo, 'POST', '/vims/smo_vims', vimBody({ vim_name: 'os-ghent', pop_area: 2 }), headers)));
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { vim: { id: number }; NFVCL_Response: unknown }[];
    expect(bodies[1]!.vim.id).toBe(bodies[0]!.vim.id);
    expect(bodies[1]!.NFVCL_Response).toEqual(bodies[0]!.NFVCL_Response);
    expect(vimWrites() - before).toBe(1);
    expect(await vimsNamed('os-ghent')).toHaveLength(1);
  });
});
