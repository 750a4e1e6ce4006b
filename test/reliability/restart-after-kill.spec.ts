import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorText } from '../support/graph-fixtures';
import { eventually, startSmoProcess, type SmoProcess } from '../support/smo-process';

interface RunnerReport {
  name: string;
  kind: string;
  state: string;
}

/**
 * A lone SMO killed (SIGKILL, OOM) and started again over its data: the leases its dead process held are its own,
 * nobody renews them, and the new process takes them at once instead of standing by for SMO_LEASE_TTL.
 */
describe('SMO started again after a SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-restart-'));
  const instances: SmoProcess[] = [];
  afterAll(async () => {
    await Promise.all(instances.map((smo) => smo.kill()));
    rmSync(dir, { recursive: true, force: true });
  });
  // A TTL far longer than the test would take to wait it out.
  const start = async () => {
    const smo = await startSmoProcess({ SMO_DATA_DIR: join(dir, 'data'), SMO_LEASE_TTL: '120', SMO_DEPLOY_WAIT: '20' });
    instances.push(smo);
    return smo;
  };
  const runners = async (smo: SmoProcess) => ((await (await fetch(`${smo.url}/health`)).json()) as { processing: RunnerReport[] }).processing;

  it('takes its dead predecessor’s leases at once, but not those of a live instance beside it', async () => {
    const first = await start();
    await eventually(async () => (await runners(first)).every((r) => r.state === 'running'), 30_000, 'the first instance to hold every lease');
    // A second instance while the first lives: it stands by, the first's leases untouched.
    const beside = await start();
    await eventually(async () => (await runners(beside)).every((r) => r.state === 'standby'), 30_000, 'the instance beside it to stand by');
    await beside.kill('SIGTERM');

    await first.kill('SIGKILL');
    const restarted = await start();
    // Within seconds, not SMO_LEASE_TTL (120 s): a deploy placed and installed by its processors answers 200 once settled.
    await eventually(async () => (await runners(restarted)).every((r) => r.state === 'running'), 15_000, 'the restarted instance to hold every lease');
    const deploy = await fetch(`${restarted.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect([deploy.status, await deploy.text()]).toEqual([200, 'Graph deployment successful\n']);
    expect(restarted.output()).toContain('released the leases of a process of this host that no longer runs');
  }, 90_000);
});
