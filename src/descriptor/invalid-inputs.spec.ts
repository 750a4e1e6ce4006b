import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { INVALID_SUBMISSIONS } from '../../test/fixtures/descriptors/invalid-inputs';
import { HdarctlArtifactResolver } from './artifact';
import { receiveGraphSubmission } from './submission';

const FAKE_HDARCTL = join(__dirname, '../../test/fixtures/fake-hdarctl/hdarctl');
const cases = INVALID_SUBMISSIONS;

describe('invalid submissions: status and a problem naming the place', () => {
  let home: string;
  let dependencies: Parameters<typeof receiveGraphSubmission>[1];

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'smo-invalid-'));
    const artifacts = new HdarctlArtifactResolver({
      binary: FAKE_HDARCTL,
      timeoutMs: 10_000,
      maxDescriptorBytes: 1024 * 1024,
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: home,
        FAKE_HDARCTL_FILES: JSON.stringify({ 'empty-graph/README.md': 'no descriptor here' }),
      },
      tempRoot: home,
    });
    dependencies = { artifacts };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has at least 30 distinct cases', () => {
    expect(new Set(cases.map((entry) => entry.name)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status', async ({ body, status, pointer, message }) => {
    const outcome = await receiveGraphSubmission(body, dependencies);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.status).toBe(status);
    const matching = outcome.problems.filter((problem) => new RegExp(`^${pointer}$`).test(problem.pointer) && message.test(problem.message));
    if (matching.length === 0) throw new Error(`no problem at ${pointer} matching ${message}; got ${JSON.stringify(outcome.problems, null, 1)}`);
  });
});
