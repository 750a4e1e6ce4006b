import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeHelm, type FakeHelm } from '../fakes/helm/fake-helm';
import { FakeKubeApi, karmadaCluster, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { eventually, settledGraph, startSmoProcess, type SmoProcess } from '../support/smo-process';
import type { GraphView as View } from '../../src/api/graphs/graph-view';

const GRAPH = 'image-detection-graph';
const LEASE_TTL_SECONDS = 2;

interface RunnerReport {
  name: string;
  kind: string;
  state: string;
}

/**
 * Issue 15, item 9: two SMO processes over one SQLite file (WAL). The one holding the processor
 * leases is killed with SIGKILL in the middle of a deployment; the other takes over within
 * SMO_LEASE_TTL, finishes the deployment, and no release is installed twice.
 */
describe('two SMO instances over one SQLite store', () => {
  let dir: string;
  let kube: FakeKubeApi;
  let kubeApi: RunningFakeKubeApi;
  let helm: FakeHelm;
  const instances: SmoProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-two-'));
    kube = new FakeKubeApi();
    kubeApi = await kube.start();
    kube.setClusters([karmadaCluster({ name: 'c1', cpu: '4', allocatedCpu: '0', allocatedMemory: '0' }), karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' })]);
    helm = fakeHelm(dir);
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((smo) => smo.kill()));
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const smo = await startSmoProcess({
      SMO_DATA_DIR: join(dir, 'data'),
      SMO_SQLITE_SYNCHRONOUS: 'normal',
      SMO_LEASE_TTL: String(LEASE_TTL_SECONDS),
      // One release at a time, so a deploy can be caught with exactly one release installed and the next one's helm hung.
      SMO_HELM_CONCURRENCY: '1',
      KARMADA_KUBECONFIG: kubeApi.kubeconfigPath,
      SMO_HELM_BINARY: helm.binary,
      SMO_HELM_PASS_ENV: Object.keys(helm.env).join(','),
      ...helm.env,
    });
    instances.push(smo);
    return smo;
  };
  const processors = async (smo: SmoProcess) =>
    ((await (await fetch(`${smo.url}/health`)).json()) as { processing: RunnerReport[] }).processing.filter((r) => r.kind === 'processor');
  const holdsProcessors = async (smo: SmoProcess) => (await processors(smo)).every((r) => r.state === 'running');

  it('the survivor takes over the processors within SMO_LEASE_TTL and finishes the deployment, installing each release once', async () => {
    const first = await start();
    await eventually(() => holdsProcessors(first), 30_000, 'the first instance to hold the processor leases');
    const second = await start();
    await eventually(async () => (await processors(second)).every((r) => r.state === 'standby'), 30_000, 'the second instance to stand by');

    // The first instance installs noise-reduction, then hangs checking image-detection: mid-deploy.
    helm.control({ hang: [{ command: 'status', release: 'image-detection', ms: 60_000 }] });
    // Either instance serves the API; the deployment is the lease holder's work.
    const deploy = await fetch(`${second.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', prefer: 'respond-async' }, body: descriptorText() });
    expect(deploy.status).toBe(202);
    await eventually(async () => helm.log().some((c) => c.command === 'status' && c.release === 'image-detection'), 30_000, 'the hung helm status');
    expect(helm.installs().map((c) => c.release)).toEqual(['noise-reduction']);
    const hungHelm = helm.log().find((c) => c.command === 'status' && c.release === 'image-detection')!;

    await first.kill('SIGKILL');
    const killedAt = Date.now();
    // The hung helm dies with its SMO (as in a container); a helm that outlives it is the fencing case below.
    try {
      process.kill(-hungHelm.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    helm.control({});

    await eventually(() => holdsProcessors(second), 30_000, 'the second instance to take over');
    const takeoverMs = Date.now() - killedAt;
    // Lease expiry comes at most one TTL after the kill; standby instances poll every tenth of it.
    expect(takeoverMs).toBeLessThanOrEqual(LEASE_TTL_SECONDS * 1000 * 1.1 + 500);

    const view = await settledGraph(second.url, GRAPH, 30_000, 'the survivor to finish the deployment');
    expect(view.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
    expect(helm.installs('noise-reduction')).toHaveLength(1);
    expect(helm.installs('image-detection')).toHaveLength(1);
  }, 120_000);

  it('fencing: a holder that was paused past its lease and wakes up mid-step changes no release the survivor now owns', async () => {
    const first = await start();
    await eventually(() => holdsProcessors(first), 30_000, 'the first instance to hold the processor leases');
    const second = await start();
    await eventually(async () => (await processors(second)).every((r) => r.state === 'standby'), 30_000, 'the second instance to stand by');

    // The first instance's check of image-detection takes 1 s and finds nothing; meanwhile it is paused
    // (a long GC pause, a frozen VM) for longer than its lease: the second takes over and installs.
    helm.control({ hang: [{ command: 'status', release: 'image-detection', ms: 1000, times: 1 }] });
    const deploy = await fetch(`${second.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', prefer: 'respond-async' }, body: descriptorText() });
    expect(deploy.status).toBe(202);
    await eventually(async () => helm.log().some((c) => c.command === 'status' && c.release === 'image-detection'), 30_000, 'the slow helm status');
    first.child.kill('SIGSTOP');
    try {
      await eventually(() => holdsProcessors(second), 30_000, 'the second instance to take over');
      await eventually(
        async () => {
          const current = (await (await fetch(`${second.url}/graphs/${GRAPH}`)).json()) as View;
          return current.services.find((s) => s.name === 'image-detection')?.status === 'Deployed';
        },
        30_000,
        'the survivor to install image-detection',
      );
    } finally {
      first.child.kill('SIGCONT');
    }
    const callsBeforeWaking = helm.log().length;
    // The first instance wakes up with its stale "not found" answer in hand.
    await eventually(async () => (await processors(first)).every((r) => r.state === 'standby'), 30_000, 'the first instance to notice it lost its leases');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const mutations = helm.log().slice(callsBeforeWaking).filter((c) => ['install', 'upgrade', 'uninstall', 'rollback'].includes(c.command));
    expect(mutations).toEqual([]);
    expect(helm.installs('image-detection')).toHaveLength(1);
    const view = (await (await fetch(`${second.url}/graphs/${GRAPH}`)).json()) as View;
    expect(view.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
  }, 120_000);
});
