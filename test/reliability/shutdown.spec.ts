import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeHelm, type FakeHelm } from '../fakes/helm/fake-helm';
import { FakeKubeApi, karmadaCluster, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { eventually, startSmoProcess, type SmoProcess } from '../support/smo-process';
import type { GraphView as View } from '../../src/api/graphs/graph-view';

const GRAPH = 'image-detection-graph';

/**
 * SIGTERM and SIGINT to a real SMO process while a helm call is in flight: compose's stop_grace_period
 * (360 s) covers one helm call, not a graph's worth of them, and an operator may not want to wait at all.
 */
describe('stopping SMO while helm runs', () => {
  let dir: string;
  let kube: FakeKubeApi;
  let kubeApi: RunningFakeKubeApi;
  let helm: FakeHelm;
  let smo: SmoProcess | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-stop-'));
    kube = new FakeKubeApi();
    kubeApi = await kube.start();
    kube.setClusters([karmadaCluster({ name: 'c1', cpu: '4', allocatedCpu: '0', allocatedMemory: '0' }), karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' })]);
    helm = fakeHelm(dir);
  });
  afterEach(async () => {
    await smo?.kill();
    smo = null;
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}) =>
    startSmoProcess({
      SMO_DATA_DIR: join(dir, 'data'),
      SMO_SQLITE_SYNCHRONOUS: 'normal',
      SMO_LEASE_TTL: '2',
      KARMADA_KUBECONFIG: kubeApi.kubeconfigPath,
      SMO_HELM_BINARY: helm.binary,
      SMO_HELM_PASS_ENV: Object.keys(helm.env).join(','),
      LOG_LEVEL: 'info',
      ...helm.env,
      ...env,
    });
  const deploy = async (url: string) => {
    const response = await fetch(`${url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', prefer: 'respond-async' }, body: descriptorText() });
    expect(response.status).toBe(202);
  };
  const exitOf = (smo: SmoProcess) => new Promise<{ code: number | null; signal: string | null }>((resolve) => smo.child.once('exit', (code, signal) => resolve({ code, signal })));
  const after = (ms: number) => new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref());

  it('SIGTERM lets the helm call in flight finish and starts no other: the rest waits for the next start', async () => {
    // One release at a time: noise-reduction's install takes 3 s, image-detection's would come after it.
    helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 3000 }] });
    smo = await start({ SMO_HELM_CONCURRENCY: '1' });
    await deploy(smo.url);
    await eventually(async () => helm.installs('noise-reduction').length > 0, 30_000, 'the install to start');
    const exited = exitOf(smo);
    smo.child.kill('SIGTERM');
    expect(await Promise.race([exited, after(30_000)])).not.toBe('still running');
    // It had gone on with image-detection's status and install (each up to SMO_HELM_TIMEOUT) before exiting.
    expect(helm.log().filter((call) => call.release === 'image-detection')).toEqual([]);
    expect(smo.output()).not.toMatch(/"level":50/);

    helm.control({});
    smo = await start({ SMO_HELM_CONCURRENCY: '1' });
    const view = await eventually(
      async () => {
        const graph = (await (await fetch(`${smo!.url}/graphs/${GRAPH}`)).json()) as View;
        return graph.services.every((s) => s.status === 'Deployed' || s.status === 'Pending') ? graph : null;
      },
      60_000,
      'the graph to settle after the restart',
    );
    expect(view.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
    expect(helm.installs('noise-reduction')).toHaveLength(1);
    expect(helm.installs('image-detection')).toHaveLength(1);
  }, 120_000);
});
