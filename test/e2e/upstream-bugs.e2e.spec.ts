import { valuesOf } from '../fakes/helm/fake-helm';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import type { GraphView as View } from '../../src/api/graphs/graph-view';


const GRAPH = 'image-detection-graph';
const yaml = { contentType: 'application/x-yaml' };

describe('upstream bugs that must not occur', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.stop());

  const deploy = (project = 'demo', body = descriptorText(), headers: Record<string, string> = {}) =>
    rig.request('POST', `/project/${project}/graphs`, { body, ...yaml, headers });
  const view = async (name = GRAPH) => (await (await rig.request('GET', `/graphs/${name}`)).json()) as View;
  const service = async (id: string) => (await view()).services.find((s) => s.name === id)!;

  it('B2/B21: a failed helm install is a visible failure with a retry path, not a silent success or a zombie', async () => {
    rig.helm.control({ fail: [{ command: 'install', release: 'noise-reduction', times: 1, exitCode: 1, stderr: 'Error: INSTALLATION FAILED: chart not found' }] });
    const response = await deploy();
    expect(response.status).toBe(200);
    expect(await service('noise-reduction')).toMatchObject({
      status: 'Failed',
      error: { action: 'install', exitCode: 1, stderr: expect.stringContaining('chart not found') },
    });
    expect((await service('image-detection')).status).toBe('Deployed');

    const retry = await rig.request('POST', `/graphs/${GRAPH}/retry`);
    expect(retry.status).toBe(200);
    expect(await service('noise-reduction')).toMatchObject({ status: 'Deployed', error: null });
    // The first deployment installs both services in parallel (any order); the retry installs only the failed one.
    const installs = rig.helmCalls('install').map((c) => c.release);
    expect(installs.slice(0, 2).sort()).toEqual(['image-detection', 'noise-reduction']);
    expect(installs.slice(2)).toEqual(['noise-reduction']);
    // Nothing left to retry.
    expect((await rig.request('POST', `/graphs/${GRAPH}/retry`)).status).toBe(409);
  });

  it('B2: a graph that cannot be placed is recorded as such (422), and removing it leaves nothing behind', async () => {
    rig.kube.setClusters([karmadaCluster({ name: 'tiny', cpu: '500m', allocatedCpu: '0' })]);
    await rig.request('POST', '/clusters/sync');
    const response = await deploy();
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ status: 422, detail: expect.stringContaining('cannot fit') });
    expect(rig.helmCalls('install')).toEqual([]);
    expect((await rig.request('DELETE', `/graphs/${GRAPH}`)).status).toBe(200);
    expect((await deploy()).status).toBe(422);
  });

  it('B11: re-placement moves what must move and upgrades every service whose imports changed', async () => {
    expect((await deploy()).status).toBe(200);
    // c1 shrinks: 1.5 cores no longer hold its three services (2.5 cores); c2 grows.
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    const before = rig.helmCalls('upgrade').length;
    const replace = await rig.request('POST', `/graphs/${GRAPH}/placement`);
    expect([replace.status, await replace.text()]).toEqual([200, `Placement of graph ${GRAPH} triggered\n`]);
    const after = await view();
    const moved = Object.entries(after.placement!).filter(([, cluster]) => cluster === 'c2').map(([id]) => id);
    expect(moved.length).toBeGreaterThanOrEqual(1);
    // Every deployed service's values match its consumers' clusters, whether it moved or not.
    const imports: Record<string, string[]> = { 'image-compression-vo': [], 'noise-reduction': [after.placement!['image-compression-vo']!], 'image-detection': [after.placement!['noise-reduction']!] };
    for (const id of ['noise-reduction', 'image-detection']) {
      const s = after.services.find((x) => x.name === id)!;
      expect(s).toMatchObject({ status: 'Deployed', cluster_affinity: after.placement![id] });
      expect(s.values_overwrite).toEqual({ clustersAffinity: [after.placement![id]], serviceImportClusters: imports[id] });
    }
    const upgrades = rig.helmCalls('upgrade').slice(before);
    expect(upgrades.every((call) => call.argv.includes('--reuse-values'))).toBe(true);
    for (const call of upgrades) expect(valuesOf(call)).toEqual({ clustersAffinity: [after.placement![call.release!]], serviceImportClusters: imports[call.release!] });
  });

  it('B23: two projects may reuse service ids; within one project a clash is refused', async () => {
    expect((await deploy('alpha')).status).toBe(200);
    const other = descriptorText().replace('id: image-detection-graph', 'id: other-graph');
    const clash = await deploy('alpha', other);
    expect(clash.status).toBe(409);
    expect(await clash.json()).toMatchObject({ detail: expect.stringMatching(/is already a service of graph \S+ in project alpha/) });
    expect((await deploy('beta', other)).status).toBe(200);
    // A graph's releases are installed in parallel: compare as a set.
    expect(rig.helmCalls('install').map((c) => `${c.argv[c.argv.indexOf('--namespace') + 1]}/${c.release}`).sort()).toEqual([
      'alpha/image-detection',
      'alpha/noise-reduction',
      'beta/image-detection',
      'beta/noise-reduction',
    ]);
  });

  it('B24: start, stop and placement also answer to POST', async () => {
    expect((await deploy()).status).toBe(200);
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(409);
    expect((await rig.request('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
    expect((await rig.request('GET', `/graphs/${GRAPH}/start`)).status).toBe(409);
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
    expect((await rig.request('POST', '/graphs/nope/start')).status).toBe(404);
  });

  it('B26: two concurrent deploys of one id give one success, one 409 and one set of releases', async () => {
    const [first, second] = await Promise.all([deploy(), deploy()]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    await rig.idle();
    // Releases are installed in parallel: the order is not part of the contract.
    expect(rig.helmCalls('install').map((c) => c.release).sort()).toEqual(['image-detection', 'noise-reduction']);
  });

  it('If-Match: a command on a stale revision gets 412 and changes nothing', async () => {
    expect((await deploy()).status).toBe(200);
    await rig.idle();
    const { revision } = await view();
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': `W/"${revision - 1}"` } })).status).toBe(412);
    expect((await view()).status).toBe('Running');
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`, { headers: { 'if-match': `W/"${revision}"` } })).status).toBe(200);
  });

  it('an Idempotency-Key makes a retried command a no-op', async () => {
    expect((await deploy(undefined, undefined, { 'idempotency-key': 'deploy-once-123' })).status).toBe(200);
    const again = await deploy(undefined, undefined, { 'idempotency-key': 'deploy-once-123' });
    expect(again.status).toBe(200);
    expect(rig.helmCalls('install')).toHaveLength(2);
  });
});
