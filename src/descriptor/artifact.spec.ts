import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isAlive } from '../../test/support/processes';
import { eventually } from '../../test/support/smo-process';
import { fixtureDocument, fixtureText } from '../../test/fixtures/descriptors/load';
import { HdarctlArtifactResolver, HdarctlResolverOptions } from './artifact';
import {
  ArtifactContentUnsafe,
  ArtifactDescriptorInvalid,
  ArtifactError,
  ArtifactPullFailed,
  ArtifactPullTimeout,
  ArtifactRefInvalid,
  NoDescriptorInArtifact,
} from './artifact-errors';

const FAKE_HDARCTL = join(__dirname, '../../test/fixtures/fake-hdarctl/hdarctl');
const REF = 'http://10.0.3.53:5000/test/image-detection-graph';

let scratch: string;
const argvFile = (): string => join(scratch, 'argv.json');
const pullRoot = (): string => join(scratch, 'pulls');

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'smo-artifact-'));
  mkdirSync(pullRoot());
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A resolver running the fake hdarctl; `fake` holds its FAKE_HDARCTL_* settings. */
function resolver(fake: Record<string, string>, options: Partial<HdarctlResolverOptions> = {}): HdarctlArtifactResolver {
  return new HdarctlArtifactResolver({
    binary: FAKE_HDARCTL,
    timeoutMs: 10_000,
    maxDescriptorBytes: 64 * 1024,
    // The fake is a `#!/usr/bin/env node` script: put this Node first on its PATH.
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: scratch, FAKE_HDARCTL_ARGV_FILE: argvFile(), ...fake },
    tempRoot: pullRoot(),
    ...options,
  });
}

const files = (entries: Record<string, string>): Record<string, string> => ({ FAKE_HDARCTL_FILES: JSON.stringify(entries) });

async function failure(promise: Promise<unknown>): Promise<ArtifactError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  if (error instanceof ArtifactError) return error;
  throw error;
}

describe('HdarctlArtifactResolver against a fake hdarctl', () => {
  it('pulls, finds and parses the descriptor, then removes its private directory', async () => {
    process.env['SMO_PROBE_SECRET'] = 'must-not-leak';
    try {
      const document = await resolver(files({ 'image-detection-graph/hdag.yaml': fixtureText('brussels-demo.upstream.hdag.yaml') })).resolve(REF);
      expect(document).toEqual(fixtureDocument('brussels-demo.upstream.hdag.yaml'));
    } finally {
      delete process.env['SMO_PROBE_SECRET'];
    }
    const recorded = JSON.parse(readFileSync(argvFile(), 'utf8')) as { argv: string[]; envKeys: string[]; cwd: string; destinationMode: number };
    const destination = recorded.argv[4] ?? '';
    expect(recorded.argv).toEqual(['pull', REF, '--untar', '--destination', destination]);
    expect(dirname(destination)).toBe(pullRoot());
    expect(recorded.cwd).toBe(destination);
    expect(recorded.destinationMode).toBe(0o700);
    expect(recorded.envKeys).toEqual(['FAKE_HDARCTL_ARGV_FILE', 'FAKE_HDARCTL_FILES', 'HOME', 'PATH']);
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it.each([
    ['the first *.yml in walk order wins over any *.yaml', { 'z.yaml': 'id: z', 'a/x.yaml': 'id: x', 'a/c/deep.yml': 'id: deep', 'b/hdag.yml': 'id: b' }, 'deep'],
    ['without *.yml, the first *.yaml in sorted order', { 'b/one.yaml': 'id: one', 'a/two.yaml': 'id: two' }, 'two'],
    ["a directory's files come before its subdirectories", { 'a/x.yaml': 'id: nested', 'root.yaml': 'id: root' }, 'root'],
  ])('%s', async (_title, entries, expectedId) => {
    expect(await resolver(files(entries)).resolve(REF)).toEqual({ id: expectedId });
  });

  it.each([
    ['nothing at all', {}],
    ['a nested directory without YAML', { 'graph/docs/README.md': 'no descriptor', 'graph/Chart.json': '{}' }],
  ])('rejects an artifact with %s (400, NoDescriptorInArtifact)', async (_title, entries) => {
    const error = await failure(resolver(files(entries)).resolve(REF));
    expect(error).toBeInstanceOf(NoDescriptorInArtifact);
    expect(error.status).toBe(400);
    expect(error.problems).toEqual([{ pointer: '/artifact', message: 'the artifact contains no *.yml or *.yaml descriptor file' }]);
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it.each([
    ['a descriptor that links outside', 'hdag/hdag.yaml', '/etc/hostname'],
    ['a directory that links outside', 'hdag', '/etc'],
    ['a link that stays inside', 'hdag/hdag.yml', '../other.yaml'],
  ])('refuses %s (symbolic links are never followed)', async (_title, path, target) => {
    const fake = { FAKE_HDARCTL_MODE: 'symlink', FAKE_HDARCTL_LINK: JSON.stringify({ path, target }) };
    const error = await failure(resolver(fake).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactContentUnsafe);
    expect(error.status).toBe(400);
    expect(error.message).toContain(`"${path}" is a symbolic link`);
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it('reports a failing pull as 502 with the exit code and the last stderr line', async () => {
    const fake = { FAKE_HDARCTL_MODE: 'fail', FAKE_HDARCTL_EXIT: '3', FAKE_HDARCTL_STDERR: 'pulling…\nError: failed to pull: not found\n' };
    const error = await failure(resolver(fake).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactPullFailed);
    expect(error).toMatchObject({ status: 502, exitCode: 3, signal: null });
    expect(error.problems).toEqual([{ pointer: '/artifact', message: 'hdarctl pull exited with code 3: Error: failed to pull: not found' }]);
    expect((error as ArtifactPullFailed).stderrTail).toContain('pulling…');
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it('kills the whole process group on timeout (504) and cleans up', async () => {
    const pidFile = join(scratch, 'grandchild.pid');
    const started = Date.now();
    const error = await failure(resolver({ FAKE_HDARCTL_MODE: 'hang', FAKE_HDARCTL_PID_FILE: pidFile }, { timeoutMs: 700 }).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactPullTimeout);
    expect(error.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(5000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await eventually(async () => !isAlive(grandchild), 3000, 'the grandchild to be gone');
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it('stops the pull when the caller aborts', async () => {
    const pidFile = join(scratch, 'grandchild.pid');
    const controller = new AbortController();
    const pending = resolver({ FAKE_HDARCTL_MODE: 'hang', FAKE_HDARCTL_PID_FILE: pidFile }).resolve(REF, controller.signal);
    await eventually(async () => existsSync(pidFile), 3000, 'the pid file');
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await eventually(async () => !isAlive(grandchild), 3000, 'the grandchild to be gone');
    expect(readdirSync(pullRoot())).toEqual([]);
  });

  it.each(['a;rm -rf /', '../x', '-x', '--help', 'oci://r/x --untar', '', 'http://10.0.3.53:5000/../../etc', 'file:///etc/passwd'])(
    'refuses the ref %p without running hdarctl (400)',
    async (ref) => {
      const error = await failure(resolver(files({ 'hdag.yaml': 'id: x' })).resolve(ref));
      expect(error).toBeInstanceOf(ArtifactRefInvalid);
      expect(error.status).toBe(400);
      expect(error.problems[0]?.pointer).toBe('/artifact');
      expect(existsSync(argvFile())).toBe(false);
    },
  );

  it('enforces a registry allowlist when configured', async () => {
    const allowlisted = resolver(files({ 'hdag.yaml': 'id: x' }), { allowedHosts: ['registry.example:5000'] });
    const error = await failure(allowlisted.resolve(REF));
    expect(error.message).toContain('registry "10.0.3.53:5000" is not in the allowed list');
    await expect(allowlisted.resolve('oci://registry.example:5000/test/graph')).resolves.toEqual({ id: 'x' });
  });

  it('rejects a descriptor that is not valid YAML, naming the file (400)', async () => {
    const error = await failure(resolver(files({ 'graph/hdag.yaml': 'hdaGraph: [unclosed\n  id: x' })).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactDescriptorInvalid);
    expect(error.status).toBe(400);
    expect(error.problems[0]?.message).toMatch(/^graph\/hdag\.yaml: invalid YAML: .*line \d+, column \d+/);
  });

  it('rejects a descriptor larger than maxDescriptorBytes', async () => {
    const error = await failure(resolver(files({ 'hdag.yaml': `id: ${'x'.repeat(500)}` }), { maxDescriptorBytes: 100 }).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactDescriptorInvalid);
    expect(error.message).toContain('hdag.yaml');
    expect(error.problems[0]?.message).toBe('hdag.yaml: it is 504 bytes; the limit is 100');
  });

  it('reports a missing hdarctl binary as 502 without leaking its path', async () => {
    const error = await failure(resolver({}, { binary: join(scratch, 'no-such-hdarctl') }).resolve(REF));
    expect(error).toBeInstanceOf(ArtifactPullFailed);
    expect(error.problems).toEqual([{ pointer: '/artifact', message: 'hdarctl pull could not be started (ENOENT)' }]);
    expect(readdirSync(pullRoot())).toEqual([]);
  });
});
