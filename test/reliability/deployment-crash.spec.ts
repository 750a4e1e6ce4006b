import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fakeHelm, type FakeHelm } from '../fakes/helm/fake-helm';
import { FakeKubeApi, karmadaCluster, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { keepEventsForFixtures } from '../support/app';
import { eventually, settledGraph, startSmoProcess, type SmoProcess } from '../support/smo-process';


const GRAPH = 'image-detection-graph';

describe('SMO killed with SIGKILL in the middle of a deployment', () => {
  let dir: string;
  let kube: FakeKubeApi;
  let kubeApi: RunningFakeKubeApi;
  let helm: FakeHelm;
  let smo: SmoProcess | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-crash-'));
    kube = new FakeKubeApi();
    kubeApi = await kube.start();
    kube.setClusters([karmadaCluster({ name: 'c1', cpu: '4', allocatedCpu: '0', allocatedMemory: '0' }), karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' })]);
    helm = fakeHelm(dir);
  });
  afterEach(async () => {
    await smo?.kill();
    await kube.stop();
    keepEventsForFixtures(join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}) =>
    startSmoProcess({
      SMO_DATA_DIR: join(dir, 'data'),
      SMO_SQLITE_SYNCHRONOUS: 'normal',
      // The killed instance's leases must expire before the new one takes over its processors.
      SMO_LEASE_TTL: '2',
      KARMADA_KUBECONFIG: kubeApi.kubeconfigPath,
      SMO_HELM_BINARY: helm.binary,
      SMO_HELM_PASS_ENV: Object.keys(helm.env).join(','),
      ...helm.env,
      ...env,
    });
  const deployAsync = (url: string) =>
    fetch(`${url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', prefer: 'respond-async' }, body: descriptorText() });
  const settledView = (url: string) => settledGraph(url, GRAPH);
  const killHungHelm = () => {
    for (const call of helm.log().filter((c) => c.grandchildPid !== undefined)) {
      try {
        process.kill(-call.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const eventTypes = () => {
    const db = new DatabaseSync(join(dir, 'data', 'smo.db'));
    try {
      return (db.prepare('SELECT type FROM es_events ORDER BY position').all() as Array<{ type: string }>).map((r) => r.type);
    } finally {
      db.close();
    }
  };

  it('after placement but before all installs: the restart completes it with exactly one install per service', async () => {
    // The second service's release check hangs: SMO has placed the graph and installed the first service.
    helm.control({ hang: [{ command: 'status', release: 'image-detection', ms: 60_000 }] });
    smo = await start();
    expect((await deployAsync(smo.url)).status).toBe(202);
    // Releases are reconciled in parallel: wait for the first install too, so the crash falls after it.
    await eventually(async () => helm.log().some((c) => c.command === 'status' && c.release === 'image-detection') && helm.installs('noise-reduction').length > 0, 30_000, 'the hung helm status and the first install');
    expect(helm.installs().map((c) => c.release)).toEqual(['noise-reduction']);
    await smo.kill('SIGKILL');
    killHungHelm();
    helm.control({});

    smo = await start();
    const view = await settledView(smo.url);
    expect(view.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
    expect(helm.installs('noise-reduction')).toHaveLength(1);
    expect(helm.installs('image-detection')).toHaveLength(1);
  }, 120_000);

  it('a release left pending-install by a helm killed with SMO is recovered after the restart', async () => {
    // helm runs for a while, then dies half-way (recording pending-install), as when killed with SMO.
    helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 1500 }], leavePending: [{ command: 'install', release: 'noise-reduction' }] });
    smo = await start();
    expect((await deployAsync(smo.url)).status).toBe(202);
    await eventually(async () => helm.installs('noise-reduction').length > 0, 30_000, 'the install to start');
    await smo.kill('SIGKILL');
    await eventually(async () => helm.state()['demo/noise-reduction']?.revisions?.at(-1)?.status === 'pending-install', 30_000, 'the release to be left pending');
    helm.control({});

    smo = await start();
    const view = await settledView(smo.url);
    expect(view.services.find((s) => s.name === 'noise-reduction')?.status).toBe('Deployed');
    const afterRestart = helm.log().slice(helm.log().findIndex((c) => c.command === 'status'));
    expect(afterRestart.some((c) => c.command === 'uninstall' && c.release === 'noise-reduction')).toBe(true);
    expect(helm.state()['demo/noise-reduction']?.revisions?.at(-1)?.status).toBe('deployed');
    await smo.kill('SIGTERM');
    smo = null;
    expect(eventTypes()).toContain('HelmReleaseRecovered');
  }, 120_000);

  it('helm finishes an install SMO died before recording, the graph is removed before the processor runs again: the release is uninstalled', async () => {
    // The install of noise-reduction takes 3 s (then succeeds): SMO is killed during it.
    helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 3000 }] });
    smo = await start({ SMO_LEASE_TTL: '25' });
    expect((await deployAsync(smo.url)).status).toBe(202);
    await eventually(async () => helm.installs('noise-reduction').length > 0, 30_000, 'the install to start');
    await smo.kill('SIGKILL');
    helm.control({});
    // helm outlives SMO and completes the install: nothing records it.
    await eventually(async () => helm.state()['demo/noise-reduction']?.revisions.at(-1)?.status === 'deployed', 30_000, 'helm to finish');

    // The removal is recorded while the dead instance's lease still holds the processors (25 s), so
    // the deployment processor next sees the graph removed with the install never recorded.
    smo = await start({ SMO_LEASE_TTL: '25' });
    const remove = await fetch(`${smo.url}/graphs/${GRAPH}`, { method: 'DELETE' });
    expect([200, 202]).toContain(remove.status);
    // Once the processors are back (the dead instance's lease expired), the release is found and uninstalled.
    await eventually(async () => Object.keys(helm.state()).length === 0, 60_000, 'every release to be uninstalled');
    expect(helm.log().filter((c) => c.command === 'uninstall' && c.release === 'noise-reduction')).toHaveLength(1);
  }, 120_000);
});
