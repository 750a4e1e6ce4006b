import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from './run-program';

function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').charAt(0);
  } catch {
    return 'gone';
  }
}

/** The process's state once SIGKILL has had time to act: a killed process runs until it is next scheduled, a moment under load. */
async function stateAfterKill(pid: number, withinMs = 2_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  let state = processState(pid);
  while (!/^(gone|Z)$/.test(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    state = processState(pid);
  }
  return state;
}

describe('runProgram', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'smo-run-program-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = (extra: Partial<Parameters<typeof runProgram>[2]> = {}) => ({ cwd: dir, env: { GREETING: 'hello' }, timeoutMs: 10_000, ...extra });

  it('passes the arguments, the environment and the directory, and returns exit code and output', async () => {
    const result = await runProgram('/bin/sh', ['-c', 'echo "$GREETING $1 $(pwd)"; echo oops >&2; exit 3', 'sh', 'world'], options());
    expect(result).toEqual({ exitCode: 3, signal: null, stdout: `hello world ${dir}\n`, stderr: 'oops\n', timedOut: false, aborted: false, spawnError: null });
  });

  it('keeps only the tail of a long output', async () => {
    const result = await runProgram('/bin/sh', ['-c', 'i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done'], options({ maxStdoutChars: 20 }));
    expect(result.stdout).toBe('line-1998\nline-1999\n');
  });

  it('kills the whole process group on timeout, background children included', async () => {
    const pidFile = join(dir, 'background.pid');
    const result = await runProgram('/bin/sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], options({ timeoutMs: 300 }));
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    const background = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or dead and not yet reaped (a zombie: its new parent may not reap at once).
    expect(await stateAfterKill(background)).toMatch(/^(gone|Z)$/);
  });

  it('kills the program when the caller aborts', async () => {
    const controller = new AbortController();
    const running = runProgram('/bin/sh', ['-c', 'sleep 30'], options({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await running).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGKILL' });
    const already = new AbortController();
    already.abort();
    expect(await runProgram('/bin/sh', ['-c', 'sleep 30'], options({ signal: already.signal }))).toMatchObject({ aborted: true });
  });

  it('reports a program that cannot be started by its error code', async () => {
    expect(await runProgram(join(dir, 'no-such-program'), [], options())).toMatchObject({ spawnError: 'ENOENT', exitCode: null });
  });

  it('reports arguments Node refuses as a failed start, and goes on running programs', async () => {
    expect(await runProgram('/bin/echo', ['a\u0000b'], options())).toMatchObject({ spawnError: 'ERR_INVALID_ARG_VALUE', exitCode: null });
    expect(await runProgram('/bin/echo', ['still here'], options())).toMatchObject({ exitCode: 0, stdout: 'still here\n' });
  });

  it('runs programs concurrently', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => runProgram('/bin/sh', ['-c', `sleep 0.2; echo ${n}`], options())));
    expect(results.map((result) => result.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });
});
