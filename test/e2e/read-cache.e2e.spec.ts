import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const GRAPH = 'image-detection-graph';

interface Graph {
  status: string;
  revision: number;
}

/**
 * The query routes answer from a cache of parsed documents and serialised bodies. Two SMO
 * processes over one SQLite file: A holds the projections' leases and writes the read models; B
 * stands by and only answers queries — its cache must follow what A commits.
 */
describe('cached graph reads stay coherent across two SMO instances over one SQLite file', () => {
  let rig: OrchestratorRig;
  let second: RunningApp;
  const get = async (base: string, path: string) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return { etag: response.headers.get('etag'), body: (await response.json()) as unknown };
  };

  beforeAll(async () => {
    rig = await startRig();
    second = await startApp(
      {
        KARMADA_KUBECONFIG: rig.kubeApi.kubeconfigPath,
        SMO_HELM_BINARY: rig.helm.binary,
        SMO_HELM_PASS_ENV: Object.keys(rig.helm.env).join(','),
        ...rig.helm.env,
        SMO_CLUSTER_SYNC_INTERVAL: '3600',
      },
      { dataDir: rig.smo.dataDir },
    );
  });
  afterAll(async () => {
    await second?.close({ keepData: true });
    await rig?.stop();
  });

  it('a graph stopped through A is shown stopped by B and by A, in the one-graph and list routes', async () => {
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' });
    expect(deploy.status).toBe(200);
    await rig.idle();

    const before = await get(second.url, `/graphs/${GRAPH}`);
    expect(before.body).toMatchObject({ name: GRAPH, status: 'Running' });
    expect((await get(second.url, '/project/demo/graphs')).body).toMatchObject([{ name: GRAPH, status: 'Running' }]);
    // Served again from B's cache: the same answer.
    expect(await get(second.url, `/graphs/${GRAPH}`)).toEqual(before);

    const stop = await rig.request('POST', `/graphs/${GRAPH}/stop`);
    expect([stop.status, await stop.text()]).toEqual([200, 'Graph stopped\n']);

    for (const base of [second.url, rig.smo.url]) {
      const after = await get(base, `/graphs/${GRAPH}`);
      expect(after.body).toMatchObject({ status: 'Stopped' });
      expect((after.body as Graph).revision).toBeGreaterThan((before.body as Graph).revision);
      expect(after.etag).toBe(`W/"${(after.body as Graph).revision}"`);
      expect((await get(base, '/project/demo/graphs')).body).toMatchObject([{ name: GRAPH, status: 'Stopped' }]);
    }
  });
});
