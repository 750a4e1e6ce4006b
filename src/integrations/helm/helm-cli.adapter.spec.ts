import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fakeHelm, valuesOf, type FakeHelm } from '../../../test/fakes/helm/fake-helm';
import { HelmCliAdapter, type HelmCliOptions } from './helm-cli.adapter';
import { HelmQueryError } from './helm-query-error';
import type { HelmChartRequest } from './helm.port';
import { planRecovery } from './release-recovery';
import { isAlive } from '../../../test/support/processes';

const KUBECONFIG = '/etc/smo/karmada.kubeconfig';
const CHART = 'oci://registry.local:5000/brussels/noise-reduction';

const request = (values: Record<string, unknown> = {}): HelmChartRequest => ({
  release: 'noise-reduction',
  chart: CHART,
  namespace: 'brussels',
  values,
  graphId: 'brussels-demo',
});

describe('HelmCliAdapter against the fake helm', () => {
  let dir: string;
  let fake: FakeHelm;
  const adapter = (options: Partial<HelmCliOptions> = {}): HelmCliAdapter =>
    new HelmCliAdapter({ binary: fake.binary, kubeconfig: KUBECONFIG, plainHttp: false, timeoutMs: 20_000, env: fake.env, ...options });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'helm-cli-spec-'));
    fake = fakeHelm(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('installs with the exact argv, a private values file and a minimal environment, then removes the file', async () => {
    const values = { clustersAffinity: ['c1'], serviceImportClusters: ['c1'], flag: 'yes' };
    const outcome = await adapter().install(request(values));

    const expected = ['install', 'noise-reduction', CHART, '--values', '<values>', '--namespace', 'brussels', '--create-namespace', '--labels', 'smo.nephele.eu/graph=brussels-demo', '--kubeconfig', KUBECONFIG, '--timeout', '20s'];
    expect(outcome).toEqual({ ok: true, args: expected, stdout: expect.stringContaining('STATUS: deployed') as unknown });
    const [call] = fake.log();
    if (!call) throw new Error('fake helm was not called');
    const valuesFile = call.argv[4] ?? '';
    expect(call.argv).toEqual(expected.map((arg) => (arg === '<values>' ? valuesFile : arg)));
    expect(valuesOf(call)).toEqual(values);
    expect({ file: call.valuesMode, dir: call.valuesDirMode }).toEqual({ file: 0o600, dir: 0o700 });
    expect(call.home).toBe(dirname(valuesFile));
    expect(call.cwd).toBe(dirname(valuesFile));
    expect(call.envKeys).toEqual(['FAKE_HELM_CONTROL', 'FAKE_HELM_LOG', 'FAKE_HELM_STATE', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HOME', 'PATH']);
    expect(existsSync(dirname(valuesFile))).toBe(false);
  });

  it('makes its private directory under tempRoot, and removes one a killed SMO left there (values file and all)', async () => {
    const root = join(dir, 'tmp');
    mkdirSync(root);
    const leftover = join(root, 'smo-helm-Ab12Cd');
    mkdirSync(leftover, { mode: 0o700 });
    writeFileSync(join(leftover, 'values.yaml'), 'password: "s3cret"\n', { mode: 0o600 });
    const dayAgo = new Date(Date.now() - 24 * 60 * 60_000);
    utimesSync(leftover, dayAgo, dayAgo);
    const removed: number[] = [];

    await adapter({ tempRoot: root, onLeftoversRemoved: (n) => removed.push(n) }).install(request({ a: 1 }));

    expect(dirname(dirname(fake.log()[0]?.argv[4] ?? ''))).toBe(root);
    for (let i = 0; i < 100 && removed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(removed).toEqual([1]);
    expect(readdirSync(root)).toEqual([]); // the leftover, and the call's own directory once it ended
  });

  it('adds --plain-http for an http registry, and --reuse-values last on upgrade', async () => {
    const helm = adapter({ plainHttp: true });
    await helm.install(request({ a: 1 }));
    const upgraded = await helm.upgrade(request({ b: 2 }));

    const common = ['noise-reduction', CHART, '--values', '<values>', '--namespace', 'brussels', '--create-namespace', '--labels', 'smo.nephele.eu/graph=brussels-demo', '--kubeconfig', KUBECONFIG, '--plain-http', '--timeout', '20s'];
    expect(upgraded).toMatchObject({ ok: true, args: ['upgrade', ...common, '--reuse-values'] });
    expect(fake.log().map((call) => call.argv.filter((arg) => !arg.endsWith('values.yaml')))).toEqual([
      ['install', ...common.filter((arg) => arg !== '<values>')],
      ['upgrade', ...common.filter((arg) => arg !== '<values>'), '--reuse-values'],
    ]);
    expect(fake.log().map(valuesOf)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('an upgrade that resets the values (adopting a release) passes --reset-values instead', async () => {
    const helm = adapter();
    await helm.install(request({ a: 1 }));
    const upgraded = await helm.upgrade(request({ b: 2 }), 'reset');
    const common = ['noise-reduction', CHART, '--values', '<values>', '--namespace', 'brussels', '--create-namespace', '--labels', 'smo.nephele.eu/graph=brussels-demo', '--kubeconfig', KUBECONFIG, '--timeout', '20s'];
    expect(upgraded).toMatchObject({ ok: true, args: ['upgrade', ...common, '--reset-values'] });
    expect(fake.log()[1]!.argv).not.toContain('--reuse-values');
  });

  it('runs status, history, rollback and uninstall with their exact argv and reads helm JSON', async () => {
    const helm = adapter();
    await helm.install(request({ a: 1 }));
    await helm.upgrade(request({ a: 2 }));
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 2 });
    expect(await helm.history('noise-reduction', 'brussels')).toEqual([
      { revision: 1, state: 'superseded' },
      { revision: 2, state: 'deployed' },
    ]);
    expect(await helm.rollback('noise-reduction', 'brussels', 1)).toMatchObject({ ok: true, args: ['rollback', 'noise-reduction', '1', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--timeout', '20s'] });
    expect(await helm.uninstall('noise-reduction', 'brussels')).toMatchObject({ ok: true, args: ['uninstall', 'noise-reduction', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--wait', '--timeout', '20s'] });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'not-found', revision: null });
    expect(await helm.history('noise-reduction', 'brussels')).toEqual([]);

    const queries = fake.log().filter((call) => call.command === 'status' || call.command === 'history');
    expect(queries[0]?.argv).toEqual(['status', 'noise-reduction', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--output', 'json']);
    expect(queries[1]?.argv).toEqual(['history', 'noise-reduction', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--output', 'json']);
  });

  it("tells a release its graph installed (its smo.nephele.eu/graph label) from another's, with helm list --selector", async () => {
    const helm = adapter();
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(false);
    await helm.install(request({ a: 1 }));
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(true);
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'other-graph')).toBe(false);
    expect(await helm.isOwnedBy('noise-reduction', 'elsewhere', 'brussels-demo')).toBe(false);
    // A failed release too (--all): one whose install failed is the graph's to remove.
    fake.control({ fail: [{ command: 'install', release: 'image-detection', times: 1, recordFailed: true }] });
    await helm.install({ ...request(), release: 'image-detection' });
    expect(await helm.isOwnedBy('image-detection', 'brussels', 'brussels-demo')).toBe(true);
    const list = fake.log().find((call) => call.command === 'list')!;
    expect(list.argv).toEqual(['list', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--all', '--filter', '^noise-reduction$', '--selector', 'smo.nephele.eu/graph=brussels-demo', '--output', 'json']);
    // helm failing is no answer: unknown, and why, so the caller retries rather than guesses.
    fake.control({ fail: [{ command: 'list', times: 1, stderr: 'Error: Kubernetes cluster unreachable' }] });
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toEqual({ unknown: 'Error: Kubernetes cluster unreachable' });
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'Not A Label')).toEqual({ unknown: expect.stringContaining('is not a DNS-1123 label') });
  });

  it('captures a non-zero exit with its stderr', async () => {
    const helm = adapter();
    fake.control({ fail: [{ command: 'install', times: 1, stderr: 'Error: INSTALLATION FAILED: Kubernetes cluster unreachable' }] });
    expect(await helm.install(request())).toMatchObject({ ok: false, exitCode: 1, stderr: expect.stringContaining('cluster unreachable') as unknown, timedOut: false });

    await helm.install(request());
    expect(await helm.install(request())).toMatchObject({ ok: false, exitCode: 1, stderr: expect.stringContaining('cannot re-use a name that is still in use') as unknown });
  });

  it('kills the whole process group on timeout and still removes the values directory', async () => {
    fake.control({ hang: [{ command: 'install', ms: 60_000 }] });
    const started = Date.now();
    const outcome = await adapter({ timeoutMs: 2_500 }).install(request());

    expect(outcome).toMatchObject({ ok: false, exitCode: null, timedOut: true });
    expect(Date.now() - started).toBeLessThan(10_000);
    const [call] = fake.log();
    expect(call?.grandchildPid).toEqual(expect.any(Number));
    expect(await stopsRunning(call?.grandchildPid ?? 0)).toBe(true);
    expect(await stopsRunning(call?.pid ?? 0)).toBe(true);
    expect(existsSync(dirname(call?.argv[4] ?? ''))).toBe(false);
  });

  it('gives helm its own --timeout before the kill deadline: a wait past it ends in helm recording the release failed, never left pending by a kill', async () => {
    fake.control({ wait: [{ command: 'install', ms: 60_000 }, { command: 'uninstall', ms: 60_000 }] });
    const helm = adapter({ timeoutMs: 1_000 });
    const installed = await helm.install(request());

    expect(installed).toMatchObject({ ok: false, exitCode: 1, timedOut: false, stderr: expect.stringContaining('timed out waiting for the condition') as unknown });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'failed', revision: 1 });

    const uninstalled = await helm.uninstall('noise-reduction', 'brussels');
    expect(uninstalled).toMatchObject({ ok: false, exitCode: 1, timedOut: false, stderr: expect.stringContaining('timed out waiting for the condition') as unknown });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'not-found', revision: null }); // purged by helm, not left uninstalling
    expect(fake.log().filter((call) => call.command === 'install' || call.command === 'uninstall').map((call) => call.argv.slice(-2))).toEqual([
      ['--timeout', '1s'],
      ['--timeout', '1s'],
    ]);
  });

  it('reports a release left pending-install by a killed helm, which the planner uninstalls', async () => {
    const helm = adapter();
    fake.control({ leavePending: [{ command: 'install', times: 1 }] });
    expect(await helm.install(request())).toMatchObject({ ok: false, exitCode: null, stderr: expect.stringContaining('SIGKILL') as unknown });

    const status = await helm.status('noise-reduction', 'brussels');
    expect(status).toEqual({ state: 'pending-install', revision: 1 });
    expect(await helm.install(request())).toMatchObject({ ok: false, stderr: expect.stringContaining('cannot re-use a name') as unknown });
    expect(planRecovery(status, await helm.history('noise-reduction', 'brussels'))).toMatchObject({ action: 'uninstall' });
    expect(await helm.uninstall('noise-reduction', 'brussels')).toMatchObject({ ok: true });
    expect(await helm.install(request())).toMatchObject({ ok: true });
  });

  it('ends status and history at the query deadline, not the install one, when helm gets no answer (an API server that accepts and never answers)', async () => {
    fake.control({ hang: [{ command: 'status', ms: 60_000 }, { command: 'history', ms: 60_000 }] });
    const helm = adapter({ timeoutMs: 60_000, queryTimeoutMs: 1_000 });
    const started = Date.now();
    const status = await helm.status('noise-reduction', 'brussels');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status).toEqual({ state: 'unknown', revision: null, reason: expect.stringContaining('helm status did not finish within 1 s') as unknown });
    await expect(helm.history('noise-reduction', 'brussels')).rejects.toThrow(/helm history did not finish within 1 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers unknown for a failed status, and rejects a failed history', async () => {
    const helm = adapter();
    const unreachable = 'Error: Kubernetes cluster unreachable: connection refused';
    fake.control({ fail: [{ command: 'status', stderr: unreachable }, { command: 'history', stderr: unreachable }] });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'unknown', revision: null, reason: unreachable });
    await expect(helm.history('noise-reduction', 'brussels')).rejects.toBeInstanceOf(HelmQueryError);
  });

  it('returns an outcome when the binary cannot be started', async () => {
    const outcome = await adapter({ binary: join(dir, 'no-such-helm') }).uninstall('noise-reduction', 'brussels');
    expect(outcome).toMatchObject({ ok: false, exitCode: null, stderr: expect.stringContaining('ENOENT') as unknown, timedOut: false });
  });

  it.each([
    ['a release starting with a dash', { release: '-x' }],
    ['a release with shell syntax', { release: 'a;rm -rf /' }],
    ['a release with a path', { release: '../x' }],
    ['an oversized release', { release: 'a'.repeat(54) }],
    ['a namespace flag', { namespace: '--kubeconfig=/tmp/evil' }],
    ['an oversized namespace', { namespace: 'n'.repeat(64) }],
    ['a chart flag', { chart: '--post-renderer=/bin/sh' }],
    ['a local chart path', { chart: '../charts/x' }],
    ['a file:// chart', { chart: 'file:///etc/passwd' }],
    ['a chart climbing up', { chart: 'oci://registry/a/../b' }],
    ['a chart with whitespace', { chart: 'oci://registry/a b' }],
  ])('refuses %s without running helm', async (_label, override) => {
    const helm = adapter();
    const outcome = await helm.install({ ...request(), ...override });
    expect(outcome).toMatchObject({ ok: false, exitCode: null, timedOut: false, stderr: expect.any(String) as unknown });
    expect(await helm.upgrade({ ...request(), ...override })).toMatchObject({ ok: false, exitCode: null });
    expect(fake.log()).toEqual([]);
  });

  it('refuses bad names and revisions on the other commands without running helm', async () => {
    const helm = adapter();
    expect(await helm.uninstall('-x', 'brussels')).toMatchObject({ ok: false, exitCode: null, args: ['uninstall', '-x', '--namespace', 'brussels', '--kubeconfig', KUBECONFIG, '--wait', '--timeout', '20s'] });
    expect(await helm.rollback('noise-reduction', 'brussels', 0)).toMatchObject({ ok: false, exitCode: null });
    expect(await helm.rollback('noise-reduction', 'brussels', 1.5)).toMatchObject({ ok: false, exitCode: null });
    expect(await helm.status('a;b', 'brussels')).toEqual({ state: 'unknown', revision: null });
    await expect(helm.history('noise-reduction', '-n')).rejects.toBeInstanceOf(HelmQueryError);
    expect(fake.log()).toEqual([]);
  });
});

/** True once `pid` no longer runs (a zombie counts as gone: nothing reaps orphans here). */
async function stopsRunning(pid: number, withinMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!isAlive(pid)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

