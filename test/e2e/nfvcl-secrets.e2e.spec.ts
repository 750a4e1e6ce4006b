import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/observability/logger';
import { startNfvclRig, vimBody, type NfvclRig } from '../support/nfvcl-rig';

/**
 * The VIM password goes to NFVCL and nowhere else. A canary password is used in every way a
 * client and NFVCL can handle it, then searched for in the SQLite files (WAL included), every
 * event, every read-store document, every log line (trace level) and every HTTP answer.
 */
describe('VIM passwords stay out of SMO', () => {
  const CANARY = `canary-vim-password-${randomUUID()}`;
  const logLines: string[] = [];
  const answers: string[] = [];
  let rig: NfvclRig;

  beforeAll(async () => {
    const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
    // The fake echoes the topology it stored, password included: SMO must scrub NFVCL's answers too.
    rig = await startNfvclRig({ fake: { echoTopology: true }, logger });
  });
  afterAll(async () => rig.stop());

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await rig.request(method, path, body, headers);
    const text = await response.text();
    answers.push(`${method} ${path} ${response.status} ${JSON.stringify([...response.headers])} ${text}`);
    return { status: response.status, text };
  };

  it('is sent to NFVCL, and found nowhere in the stores, the logs or the answers', async () => {
    const body = vimBody({ vim_password: CANARY });
    expect((await send('POST', '/vims/smo_vims', body)).status).toBe(201);
    expect(JSON.stringify(rig.nfvcl.topology())).toContain(CANARY);

    // NFVCL refusing and quoting the request (FastAPI's `input`), or the password in its message.
    const second = vimBody({ vim_password: CANARY, vim_name: 'os-two', pop_area: 1, service_network: { name: 'svc-two', cidr: '10.7.0.0/24', gateway: '10.7.0.1' } });
    // The second VIM goes through the add-to-topology path (POST /v1/topology/network and /vim).
    rig.nfvcl.failNextAt('POST', '/v1/topology/vim', 422, (received: unknown) => ({ detail: [{ type: 'value_error', loc: ['body'], msg: 'Invalid VIM', input: received }] }));
    expect((await send('POST', '/vims/smo_vims', second)).status).toBe(502);
    rig.nfvcl.failNextAt('POST', '/v1/topology/vim', 400, { detail: `Keystone refused user admin with password ${CANARY}` });
    expect((await send('POST', '/vims/smo_vims', second)).status).toBe(502);
    expect((await send('POST', '/vims/smo_vims', second)).status).toBe(201);

    // Requests SMO refuses: a bad body, malformed JSON, a duplicate, NFVCL down.
    const { vim_url: _url, ...noUrl } = body;
    expect((await send('POST', '/vims/smo_vims', { ...noUrl, vim_name: 'os-three' })).status).toBe(400);
    expect((await send('POST', '/vims/smo_vims', `{"vim_password": "${CANARY}", "topology": `)).status).toBe(400);
    expect((await send('POST', '/vims/smo_vims', `{"vim_password": "${CANARY}"}`, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await send('POST', '/vims/smo_vims', body)).status).toBe(409);
    expect((await send('POST', '/vims/smo_vims', body, { 'idempotency-key': 'canary-key-0001' })).status).toBe(409);

    // NFVCL's topology read returns every VIM's password; the sync keeps none.
    await fetch(`${rig.nfvcl.url}/v1/topology/vim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'os-external', vim_type: 'openstack', vim_url: 'http://10.5.0.1:5000/v3', vim_password: CANARY, networks: ['mgmt-net', 'service-net'], areas: [5] }),
    });
    expect((await send('GET', '/vims/sync/nfvcl_vims')).status).toBe(200);

    // A cluster on the VIM, provisioned, scaled, synced and deleted; then the VIM is deleted.
    const created = await send('POST', '/os_k8s/clusters', { pop_area: 0, vim_name: 'os-brussels' });
    expect(created.status).toBe(201);
    const smoId = (JSON.parse(created.text) as { smo_id: string }).smo_id;
    await rig.clusterWhen(smoId, 'Provisioned');
    expect((await send('POST', `/os_k8s/scale-out/${smoId}`)).status).toBe(200);
    expect((await send('POST', '/os_k8s/sync/nfvcl_k8s')).status).toBe(200);
    expect((await send('DELETE', `/os_k8s/cluster/${smoId}`)).status).toBe(200);
    for (const path of ['/vims/smo_vims', '/vims/smo_vims/1', '/os_k8s/clusters', '/health']) expect((await send('GET', path)).status).toBe(200);
    expect((await send('DELETE', '/vims/smo_vims/1')).status).toBe(200);
    await rig.nfvcl.stop();
    expect((await send('POST', '/vims/smo_vims', vimBody({ vim_password: CANARY, vim_name: 'os-four' }))).status).toBe(503);
    await rig.smo.runtime.processing.whenIdle();

    // The search.
    const { runtime, dataDir } = rig.smo;
    const files = readdirSync(dataDir).filter((name) => name.startsWith('smo.db'));
    expect(files).toEqual(expect.arrayContaining(['smo.db', 'smo.db-wal']));
    for (const name of files) expect([name, readFileSync(join(dataDir, name)).includes(CANARY)]).toEqual([name, false]);
    // The search reads what was written: the VIM found by the sync is there.
    expect(files.some((name) => readFileSync(join(dataDir, name)).includes('os-external'))).toBe(true);

    const events = await runtime.eventStore.readAll();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['VimRegistered', 'VimRemoved', 'ClusterProvisioningRequested', 'ClusterProvisioned', 'ClusterScaledOut', 'ClusterDecommissioned']));
    expect(JSON.stringify(events)).not.toContain(CANARY);

    for (const collection of runtime.processing.projectionNames()) {
      const docs = await runtime.readStore.find(collection);
      expect([collection, JSON.stringify(docs).includes(CANARY)]).toEqual([collection, false]);
    }
    expect((await runtime.readStore.find('vims')).length).toBe(3);

    expect(logLines.length).toBeGreaterThan(20);
    expect(logLines.some((line) => line.includes('"url":"/vims/smo_vims"'))).toBe(true);
    expect(logLines.filter((line) => line.includes(CANARY))).toEqual([]);

    expect(answers.length).toBeGreaterThan(15);
    expect(answers.filter((answer) => answer.includes(CANARY))).toEqual([]);
  });
});
