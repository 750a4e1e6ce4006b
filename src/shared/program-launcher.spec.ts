import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ProgramLauncher } from './program-launcher';
import { projectRoot } from './project-root';
import { isAlive } from '../../test/support/processes';
import { eventually } from '../../test/support/smo-process';

const options = { cwd: '/', env: {}, timeoutMs: 5_000 };
const LOST = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, spawnError: 'ERR_PROGRAM_LAUNCHER_EXITED' };

/** Runs `script` (TypeScript, with the launcher importable as `launcher`) in a Node process of its own; resolves with its messages and exit. */
function host(script: string): { child: ChildProcess; messages: unknown[]; exited: Promise<number | null> } {
  const register = join(projectRoot(), 'scripts', 'register-ts.cjs');
  const launcher = join(__dirname, 'program-launcher.ts');
  const child = spawn(process.execPath, ['-r', register, '-e', `const launcher = require(${JSON.stringify(launcher)}).programLauncher;\n${script}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SMO_TEST_SECRET: 'canary-not-for-the-launcher' },
  });
  const messages: unknown[] = [];
  child.on('message', (message) => messages.push(message));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, messages, exited };
}

describe('ProgramLauncher', () => {
  const launchers: ProgramLauncher[] = [];
  const launcher = (startChild?: () => ChildProcess) => {
    const made = new ProgramLauncher(startChild);
    launchers.push(made);
    return made;
  };
  afterEach(async () => Promise.all(launchers.splice(0).map((made) => made.close())));

  it('reports the programs it waited for as not started when the launcher dies, and starts a new launcher for the next', async () => {
    const started: ChildProcess[] = [];
    // A real child process that exits on its first task, as a crashed launcher would.
    const dying = launcher(() => {
      const child = spawn(process.execPath, ['-e', "process.once('message', () => process.exit(3))"], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      started.push(child);
      return child;
    });
    expect(await Promise.all([dying.run('/bin/true', [], options), dying.run('/bin/true', [], options)])).toEqual([LOST, LOST]);
    expect(await dying.run('/bin/true', [], options)).toEqual(LOST);
    expect(started).toHaveLength(2);
  });

  it('runs programs through its process, one after another and at once, with their exit codes and output', async () => {
    const running = launcher();
    expect(await running.run('/bin/sh', ['-c', 'echo one'], options)).toMatchObject({ exitCode: 0, stdout: 'one\n' });
    const both = await Promise.all([running.run('/bin/sh', ['-c', 'echo two'], options), running.run('/bin/sh', ['-c', 'exit 4'], options)]);
    expect(both.map((result) => [result.exitCode, result.stdout])).toEqual([
      [0, 'two\n'],
      [4, ''],
    ]);
  });

  it('aborts a running program from SMO: the program is killed and reported aborted', async () => {
    const controller = new AbortController();
    const running = launcher().run('/bin/sh', ['-c', 'sleep 30'], { ...options, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await running).toMatchObject({ aborted: true, signal: 'SIGKILL' });
  });

  it('close() ends the launcher process at once, not with SMO’s (a test runner hosts SMO once per test file); the next program starts a new one', async () => {
    const closing = launcher();
    const parent = async () => Number((await closing.run('/bin/sh', ['-c', 'echo $PPID'], options)).stdout);
    const first = await parent();
    expect(isAlive(first)).toBe(true);
    await closing.close();
    expect(isAlive(first)).toBe(false);
    const second = await parent();
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);
    await closing.close();
    expect(isAlive(second)).toBe(false);
  });

  it('is a separate process, started without SMO’s environment, that lets SMO exit when idle and ends with SMO', async () => {
    // The host runs one program that reports its parent (the launcher), then has nothing left to do.
    const idle = host(`launcher.run('/bin/sh', ['-c', 'echo $PPID'], { cwd: '/', env: {}, timeoutMs: 5000 }).then((r) => process.send({ launcher: Number(r.stdout) }));`);
    expect(await idle.exited).toBe(0);
    const { launcher: firstLauncher } = idle.messages[0] as { launcher: number };
    expect(firstLauncher).toBeGreaterThan(0);
    expect(firstLauncher).not.toBe(idle.child.pid);
    await eventually(async () => !isAlive(firstLauncher), 10_000, 'the idle host’s launcher to exit');

    // A host killed outright (no cleanup of its own) still takes its launcher with it.
    const killed = host(`
      launcher.run('/bin/sh', ['-c', 'echo $PPID'], { cwd: '/', env: {}, timeoutMs: 5000 }).then((r) => {
        process.send({ launcher: Number(r.stdout), environ: require('node:fs').readFileSync('/proc/' + Number(r.stdout) + '/environ', 'utf8') });
        setInterval(() => undefined, 1000);
      });`);
    await eventually(async () => killed.messages.length > 0, 10_000, 'the host’s report');
    const { launcher: secondLauncher, environ } = killed.messages[0] as { launcher: number; environ: string };
    expect(environ).not.toContain('canary-not-for-the-launcher');
    expect(isAlive(secondLauncher)).toBe(true);
    killed.child.kill('SIGKILL');
    await killed.exited;
    await eventually(async () => !isAlive(secondLauncher), 10_000, 'the killed host’s launcher to exit');
  });
});
