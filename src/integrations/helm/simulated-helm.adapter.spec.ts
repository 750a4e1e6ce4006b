import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmQueryError } from './helm-query-error';
import type { HelmChartRequest } from './helm.port';
import { SIMULATED_RELEASES_DIR, SINGLE_RELEASES_FILE, releaseFile } from './simulated-release-file';
import { SimulatedHelmAdapter, readSimulatedReleases } from './simulated-helm.adapter';

const CHART = 'oci://registry.local:5000/brussels/noise-reduction';
const request = (values: Record<string, unknown>, release = 'noise-reduction'): HelmChartRequest => ({ release, chart: CHART, namespace: 'brussels', values, graphId: 'brussels-demo' });

describe('SimulatedHelmAdapter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'simulated-helm-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('installs once, records the values, and refuses a second install like helm', async () => {
    const helm = new SimulatedHelmAdapter({ dir, kubeconfig: '/k', plainHttp: true });
    const installed = await helm.install(request({ clustersAffinity: ['c1'] }));
    expect(installed).toMatchObject({
      ok: true,
      args: ['install', 'noise-reduction', CHART, '--values', '<values>', '--namespace', 'brussels', '--create-namespace', '--labels', 'smo.nephele.eu/graph=brussels-demo', '--kubeconfig', '/k', '--plain-http'],
    });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 1 });

    const again = await helm.install(request({}));
    expect(again).toMatchObject({ ok: false, exitCode: 1, stderr: 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use' });
    expect(await readSimulatedReleases(dir)).toEqual([
      expect.objectContaining({ release: 'noise-reduction', namespace: 'brussels', chart: CHART, values: { clustersAffinity: ['c1'] }, revision: 1, state: 'deployed' }),
    ]);
  });

  it('upgrades by merging the new values over the current ones', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    expect(await helm.upgrade(request({ a: 1 }))).toMatchObject({ ok: false, exitCode: 1, stderr: 'Error: UPGRADE FAILED: "noise-reduction" has no deployed releases' });
    await helm.install(request({ clustersAffinity: ['c1'], image: { tag: '1', repository: 'r' } }));
    const upgraded = await helm.upgrade(request({ clustersAffinity: ['c2'], image: { tag: '2' } }));

    expect(upgraded).toMatchObject({ ok: true, args: expect.arrayContaining(['upgrade', '--reuse-values']) as unknown });
    const [release] = await readSimulatedReleases(dir);
    expect(release).toMatchObject({ revision: 2, values: { clustersAffinity: ['c2'], image: { tag: '2', repository: 'r' } } });
    expect(await helm.history('noise-reduction', 'brussels')).toEqual([
      { revision: 1, state: 'superseded' },
      { revision: 2, state: 'deployed' },
    ]);
  });

  it('labels a release with its graph on install and upgrade, and tells whose it is', async () => {
    const helm = new SimulatedHelmAdapter({ dir: mkdtempSync(join(tmpdir(), 'smo-sim-owner-')) });
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(false);
    await helm.install({ ...request({}), graphId: 'first-graph' });
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(false);
    await helm.upgrade(request({}), 'reset');
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(true);
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'first-graph')).toBe(false);
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'Not A Label')).toEqual({ unknown: expect.stringContaining('is not a DNS-1123 label') });
  });

  it('with --reset-values (an adoption), the release gets exactly the new values', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({ clustersAffinity: ['c1'], debug: { shell: true } }));
    const upgraded = await helm.upgrade(request({ clustersAffinity: ['c2'] }), 'reset');
    expect(upgraded).toMatchObject({ ok: true, args: expect.arrayContaining(['upgrade', '--reset-values']) as unknown });
    expect((await readSimulatedReleases(dir))[0]).toMatchObject({ revision: 2, values: { clustersAffinity: ['c2'] } });
    expect((await readSimulatedReleases(dir))[0]!.values).not.toHaveProperty('debug');
  });

  it('rolls back to an earlier revision’s values as a new revision', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({ v: 1 }));
    await helm.upgrade(request({ v: 2 }));
    expect(await helm.rollback('noise-reduction', 'brussels', 7)).toMatchObject({ ok: false, stderr: 'Error: release has no 7 version' });
    expect(await helm.rollback('noise-reduction', 'brussels', 1)).toMatchObject({ ok: true });
    expect(await readSimulatedReleases(dir)).toEqual([expect.objectContaining({ revision: 3, values: { v: 1 }, state: 'deployed' })]);
  });

  it('keeps the last 10 revisions of a release, as helm does (--history-max), so the file stops growing with upgrades', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({ replicas: 1 }));
    for (let replicas = 2; replicas <= 16; replicas++) await helm.upgrade(request({ replicas }));
    const kept = await helm.history('noise-reduction', 'brussels');
    expect(kept.map((entry) => entry.revision)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(kept.at(-1)).toEqual({ revision: 16, state: 'deployed' });
    const file = releaseFile(dir, 'noise-reduction', 'brussels');
    const sizeAfter16 = statSync(file).size;
    for (let replicas = 17; replicas <= 40; replicas++) await helm.upgrade(request({ replicas: replicas % 10 }));
    expect(statSync(file).size).toBeLessThanOrEqual(sizeAfter16);
    // A revision helm no longer keeps cannot be rolled back to; a kept one can.
    expect(await helm.rollback('noise-reduction', 'brussels', 16)).toMatchObject({ ok: false, stderr: 'Error: release has no 16 version' });
    expect(await helm.rollback('noise-reduction', 'brussels', 35)).toMatchObject({ ok: true });
    expect(await readSimulatedReleases(dir)).toEqual([expect.objectContaining({ revision: 41, values: { replicas: 5 }, state: 'deployed' })]);
    expect((await helm.history('noise-reduction', 'brussels')).map((entry) => entry.revision)).toEqual([32, 33, 34, 35, 36, 37, 38, 39, 40, 41]);
  });

  it('uninstalls, after which status is not-found and history empty', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({}));
    expect(await helm.uninstall('noise-reduction', 'brussels')).toMatchObject({ ok: true, stdout: 'release "noise-reduction" uninstalled\n' });
    expect(await helm.uninstall('noise-reduction', 'brussels')).toMatchObject({ ok: false, exitCode: 1, stderr: expect.stringContaining('release: not found') as unknown });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'not-found', revision: null });
    expect(await helm.history('noise-reduction', 'brussels')).toEqual([]);
    expect(await readSimulatedReleases(dir)).toEqual([]);
  });

  it('keeps releases across instances (a restart) and writes the file atomically', async () => {
    await new SimulatedHelmAdapter({ dir }).install(request({ a: 1 }));
    await new SimulatedHelmAdapter({ dir }).install(request({ b: 2 }, 'other'));
    const restarted = new SimulatedHelmAdapter({ dir });
    expect(await restarted.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 1 });
    expect((await readSimulatedReleases(dir)).map((release) => release.release)).toEqual(['noise-reduction', 'other']);
    expect(readdirSync(dir)).toEqual([SIMULATED_RELEASES_DIR]);
    expect(readdirSync(join(dir, SIMULATED_RELEASES_DIR, 'brussels'))).toEqual(['noise-reduction.json', 'other.json']);
    expect(statSync(releaseFile(dir, 'other', 'brussels')).mode & 0o777).toBe(0o600);
  });

  it("writes only the changed release's file, and removes it at uninstall", async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({ a: 1 }));
    await helm.install(request({ b: 1 }, 'other'));
    const untouched = statSync(releaseFile(dir, 'noise-reduction', 'brussels'));
    await helm.upgrade(request({ b: 2 }, 'other'));
    await helm.uninstall('other', 'brussels');
    const after = statSync(releaseFile(dir, 'noise-reduction', 'brussels'));
    expect([after.ino, after.mtimeMs]).toEqual([untouched.ino, untouched.mtimeMs]);
    expect(readdirSync(join(dir, SIMULATED_RELEASES_DIR, 'brussels'))).toEqual(['noise-reduction.json']);
  });

  it("splits an earlier SMO's single release file into a file a release at first use, a release that has its file keeping it", async () => {
    const release = (name: string, values: Record<string, unknown>) => {
      const revision = { revision: 1, state: 'deployed', chart: CHART, values };
      return { release: name, namespace: 'brussels', chart: CHART, values, revision: 1, state: 'deployed', history: [revision], labels: { 'smo.nephele.eu/graph': 'brussels-demo' } };
    };
    writeFileSync(join(dir, SINGLE_RELEASES_FILE), JSON.stringify({ releases: { 'brussels/noise-reduction': release('noise-reduction', { a: 1 }), 'brussels/other': release('other', { b: 1 }) } }));
    // A split that stopped half way (a crash): `other` has its file already, as it was changed since.
    mkdirSync(join(dir, SIMULATED_RELEASES_DIR, 'brussels'), { recursive: true });
    writeFileSync(releaseFile(dir, 'other', 'brussels'), JSON.stringify({ ...release('other', { b: 2 }), revision: 2 }));
    const helm = new SimulatedHelmAdapter({ dir });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 1 });
    expect(await helm.isOwnedBy('noise-reduction', 'brussels', 'brussels-demo')).toBe(true);
    expect(await readSimulatedReleases(dir)).toEqual([expect.objectContaining({ release: 'noise-reduction', values: { a: 1 } }), expect.objectContaining({ release: 'other', revision: 2, values: { b: 2 } })]);
    expect(readdirSync(dir)).toEqual([SIMULATED_RELEASES_DIR]);
    expect((await helm.upgrade(request({ a: 2 }))).ok).toBe(true);
    expect(await helm.history('noise-reduction', 'brussels')).toEqual([
      { revision: 1, state: 'superseded' },
      { revision: 2, state: 'deployed' },
    ]);
  });

  it('serialises concurrent changes so none is lost', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    const names = Array.from({ length: 8 }, (_, index) => `svc-${index}`);
    await Promise.all(names.map((name) => new SimulatedHelmAdapter({ dir }).install(request({}, name))));
    expect((await readSimulatedReleases(dir)).map((release) => release.release)).toEqual(names);
    expect(helm.mode).toBe('simulated');
  });

  it('refuses the same inputs as the real adapter', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    expect(await helm.install(request({}, '-x'))).toMatchObject({ ok: false, exitCode: null });
    expect(await helm.install({ ...request({}), chart: '../x' })).toMatchObject({ ok: false, exitCode: null });
    expect(await helm.rollback('noise-reduction', 'brussels', 0)).toMatchObject({ ok: false, exitCode: null });
    await expect(helm.history('a;b', 'brussels')).rejects.toBeInstanceOf(HelmQueryError);
    expect(await readSimulatedReleases(dir)).toEqual([]);
  });

  it('reads the file again once something else changed it (another process, an operator), and not its parse of before', async () => {
    const helm = new SimulatedHelmAdapter({ dir });
    await helm.install(request({ a: 1 }));
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 1 });
    const path = releaseFile(dir, 'noise-reduction', 'brussels');
    const edited = JSON.parse(readFileSync(path, 'utf8')) as { revision: number };
    edited.revision = 7;
    writeFileSync(path, JSON.stringify(edited)); // in place: the same inode, another size
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'deployed', revision: 7 });
    rmSync(path);
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'not-found', revision: null });
    // What it answers is frozen: a reader cannot change the parse others are answered from.
    await helm.install(request({ a: 1 }));
    const [release] = await readSimulatedReleases(dir);
    expect(() => (release!.values['a'] = 2)).toThrow(TypeError);
    expect((await readSimulatedReleases(dir))[0]!.values).toEqual({ a: 1 });
    // What a change wrote is answered as its file reads back, and the caller's objects stay theirs.
    const values = { a: { b: 1 }, dropped: undefined };
    await helm.upgrade(request(values), 'reset');
    values.a.b = 2;
    expect(Object.isFrozen(values)).toBe(false);
    const upgraded = (await readSimulatedReleases(dir))[0]!;
    expect(upgraded.values).toStrictEqual({ a: { b: 1 } });
    expect(upgraded).toStrictEqual(JSON.parse(readFileSync(path, 'utf8')));
  });

  it("answers with failures, not exceptions, when a release's file (or an earlier SMO's single file) is corrupt", async () => {
    mkdirSync(join(dir, SIMULATED_RELEASES_DIR, 'brussels'), { recursive: true });
    writeFileSync(releaseFile(dir, 'noise-reduction', 'brussels'), '{not json');
    const helm = new SimulatedHelmAdapter({ dir });
    expect(await helm.install(request({}))).toMatchObject({ ok: false, exitCode: null, stderr: expect.stringContaining('release file unusable') as unknown });
    expect(await helm.status('noise-reduction', 'brussels')).toEqual({ state: 'unknown', revision: null });
    await expect(helm.history('noise-reduction', 'brussels')).rejects.toBeInstanceOf(HelmQueryError);
    expect(await helm.install(request({}, 'other'))).toMatchObject({ ok: true });

    const earlier = mkdtempSync(join(tmpdir(), 'simulated-helm-spec-'));
    writeFileSync(join(earlier, SINGLE_RELEASES_FILE), '{not json');
    expect(await new SimulatedHelmAdapter({ dir: earlier }).status('noise-reduction', 'brussels')).toEqual({ state: 'unknown', revision: null });
    // Mended, it is split at the next question (a failed split is tried again).
    writeFileSync(join(earlier, SINGLE_RELEASES_FILE), JSON.stringify({ releases: {} }));
    expect(await new SimulatedHelmAdapter({ dir: earlier }).status('noise-reduction', 'brussels')).toEqual({ state: 'not-found', revision: null });
    rmSync(earlier, { recursive: true, force: true });
  });
});
