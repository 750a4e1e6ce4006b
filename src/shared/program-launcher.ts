import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { processResource } from './process-resources';
import { projectRoot } from './project-root';
import type { ProgramResult, RunProgramOptions } from './run-program';

/** A program to start, as sent to the launcher (an AbortSignal cannot cross processes: aborts are messages). */
export interface ProgramTask {
  readonly id: number;
  readonly binary: string;
  readonly args: readonly string[];
  readonly options: Omit<RunProgramOptions, 'signal'>;
}

export type ToLauncher = { readonly run: ProgramTask } | { readonly abort: number };
export interface FromLauncher {
  readonly id: number;
  readonly result: ProgramResult;
}

/** What the callers of programs still running are told when the launcher itself dies (it should not). */
const LAUNCHER_LOST: ProgramResult = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, spawnError: 'ERR_PROGRAM_LAUNCHER_EXITED' };

/**
 * The small child process SMO starts external programs (helm, hdarctl) from, started on first use.
 *
 * Why a process of its own: Node's `spawn` forks the calling process. A fork copies the page tables
 * of SMO's whole heap and the exec then tears them down again, in the kernel, on the same two cores
 * as the HTTP server, and holds SMO's memory map locked while it copies (the main thread's page
 * faults wait). Measured under bench:api's deploy burst, that was about 13% of the machine's CPU.
 * Forking this process, a Node runtime with no application loaded, costs a fraction of that; it also
 * keeps spawn's blocking wait for the child's exec off SMO's threads.
 *
 * It keeps SMO alive only while programs run, and exits when SMO does (its IPC channel closes).
 * Should it die, the programs it was waiting for are reported as not started (their process groups
 * are their own) and the next program starts a new launcher.
 */
export class ProgramLauncher {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: ProgramResult) => void>();

  constructor(private readonly startChild: () => ChildProcess = startLauncherProcess) {}

  run(binary: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramResult> {
    const { signal, ...rest } = options;
    const child = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const abort = (): void => send(child, { abort: id });
      this.waiting.set(id, (result) => {
        signal?.removeEventListener('abort', abort);
        resolve(result);
      });
      if (this.waiting.size === 1) setReferenced(child, true);
      send(child, { run: { id, binary, args, options: rest } });
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  private started(): ChildProcess {
    if (this.child) return this.child;
    const child = this.startChild();
    setReferenced(child, false);
    child.on('message', ({ id, result }: FromLauncher) => this.settle(id, result));
    const lost = (): void => {
      if (this.child === child) this.child = null;
      for (const id of [...this.waiting.keys()]) this.settle(id, LAUNCHER_LOST);
    };
    child.once('error', lost);
    child.once('exit', lost);
    this.child = child;
    return child;
  }

  /**
   * Ends the launcher process now rather than with SMO's; the next program starts a new one. Programs still
   * running are reported as not started (their process groups are their own). See processResource.
   */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Waited for like a running program: the launcher exits when its IPC channel closes.
    setReferenced(child, true);
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    await exited;
  }

  private settle(id: number, result: ProgramResult): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0 && this.child) setReferenced(this.child, false);
    resolve(result);
  }
}

/** A message to a launcher that may have died meanwhile: its 'exit' reports the loss. */
function send(child: ChildProcess, message: ToLauncher): void {
  if (child.connected) child.send(message);
}

/** Whether the launcher (its process and its IPC channel) keeps SMO's event loop alive. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  if (referenced) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}

/** The compiled launcher module, or from the TypeScript sources (tests, `npm run smo` before a build) transpiled on require. */
function startLauncherProcess(): ChildProcess {
  const compiled = !__filename.endsWith('.ts');
  const entry = join(__dirname, compiled ? 'program-launcher.child.js' : 'program-launcher.child.ts');
  const execArgv = compiled ? [] : ['-r', join(projectRoot(), 'scripts', 'register-ts.cjs')];
  // No environment of SMO's (its secrets): each program gets its own explicit one.
  return fork(entry, [], { execArgv, env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

export const programLauncher = processResource(new ProgramLauncher());
