import { readdirSync } from 'node:fs';
import { getIsolatedSolver } from '../../src/optimizer/solver-selection';
import type { LinearModel } from '../../src/optimizer/solver';
import { programLauncher } from '../../src/shared/program-launcher';
import { isAlive } from './processes';

/** What test/support/test-environment.js runs once a test file is done, as after-test-file.ts registered it. */
const afterTestFile = () => (globalThis as Record<symbol, unknown>)[Symbol.for('smo.afterTestFile')] as (() => Promise<void>) | undefined;
const threads = () => readdirSync('/proc/self/task').length;
const empty: LinearModel = { name: 'empty', sense: 'minimize', objective: [], variables: [], constraints: [] };

describe('after each test file', () => {
  it('ends the program launcher and the solvers’ worker threads the file’s SMO modules started: none outlives the file', async () => {
    const launcher = Number((await programLauncher.run('/bin/sh', ['-c', 'echo $PPID'], { cwd: '/', env: {}, timeoutMs: 5_000 })).stdout);
    expect(isAlive(launcher)).toBe(true);
    const before = threads();
    expect(await getIsolatedSolver().solve(empty, { timeLimitMs: 5_000 })).toMatchObject({ status: 'optimal' });
    expect(threads()).toBe(before + 1);

    await afterTestFile()?.();
    expect(isAlive(launcher)).toBe(false);
    expect(threads()).toBe(before);
  });
});
