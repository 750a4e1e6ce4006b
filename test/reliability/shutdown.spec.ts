import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeHelm, type FakeHelm } from '../fakes/helm/fake-helm';
import { FakeKubeApi, karmadaCluster, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { eventually, settledGraph, startSmoProcess, type SmoProcess } from '../support/smo-process';

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
    const view = await settledGraph(smo.url, GRAPH, 60_000, 'the graph to settle after the restart');
    expect(view.services.map((s) => [s.name, s.status])).toEqual([
      ['image-compression-vo', 'Pending'],
      ['noise-reduction', 'Deployed'],
      ['image-detection', 'Deployed'],
    ]);
    expect(helm.installs('noise-reduction')).toHaveLength(1);
    expect(helm.installs('image-detection')).toHaveLength(1);
  }, 120_000);

  it('says what it waits for, and a second SIGTERM or SIGINT exits at once', async () => {
    helm.control({ hang: [{ command: 'install', release: 'noise-reduction', ms: 60_000 }] });
    smo = await start();
    await deploy(smo.url);
    await eventually(async () => helm.installs('noise-reduction').length > 0, 30_000, 'the install to start');
    const exited = exitOf(smo);
    smo.child.kill('SIGTERM');
    // The first signal waits for helm (up to SMO_HELM_TIMEOUT and the grace after it), and says so.
    expect(await Promise.race([exited, after(1500)])).toBe('still running');
    await eventually(async () => /"msg":"stopping[^"]*"/.test(smo!.output()), 5000, 'a log line saying SMO is stopping');
    // The second one does not wait: it was ignored, and SMO ran until helm's install ended a minute later.
    smo.child.kill('SIGINT');
    expect(await Promise.race([exited, after(5000)])).toEqual({ code: 130, signal: null });
    expect(smo.output()).toMatch(/"level":40,[^\n]*"signal":"SIGINT"[^\n]*"msg":"[^"]*exiting now/);
  }, 120_000);
});

/**
 * In a container SMO's node is PID 1 (the Dockerfile's CMD), and the kernel gives PID 1 no default action
 * for a signal it has no handler for: a SIGTERM before Nest's handlers were installed was ignored, and
 * `docker stop` during a long start-up (a first index build, a slow MongoDB) waited out stop_grace_period.
 * Here SMO runs as PID 1 of a new PID namespace (unshare, as root or in a user namespace).
 */
const ROOT = join(__dirname, '..', '..');
const canUnshare = spawnSync('unshare', ['--user', '--map-root-user', '--pid', '--fork', 'true']).status === 0;
(canUnshare ? describe : describe.skip)(`SMO as PID 1${canUnshare ? '' : ' (skipped: unshare cannot create a PID namespace here)'}`, () => {
  it('a SIGTERM during start-up stops it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'smo-pid1-'));
    const unshare = spawn(
      'unshare',
      ['--user', '--map-root-user', '--pid', '--fork', '--mount-proc', process.execPath, '--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), join(ROOT, 'src/main.ts')],
      { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal', PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    unshare.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    unshare.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => unshare.once('exit', (code) => resolve(code)));
    let smoPid: number | null = null;
    try {
      // The stores are open, Nest and the optimizer are still to come: SMO is starting.
      await eventually(async () => output.includes('"msg":"stores opened"'), 30_000, 'the stores to open');
      smoPid = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim());
      expect(readFileSync(`/proc/${smoPid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
      process.kill(smoPid, 'SIGTERM');
      // 143 (128 + SIGTERM) before the app exists, 0 once it stopped gracefully: either way promptly.
      expect([143, 0]).toContain(await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000).unref())]));
      expect(output).not.toContain('SMO listening');
    } finally {
      // SMO too: killing unshare leaves its child running (reparented), as a failed run once did for half an hour.
      if (smoPid !== null) {
        try {
          process.kill(smoPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      unshare.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
