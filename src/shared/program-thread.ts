import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from './project-root';
import type { ProgramResult, RunProgramOptions } from './run-program';

/** A program to start, as posted to the program thread (an AbortSignal cannot cross threads: aborts are messages). */
export interface ProgramTask {
  readonly id: number;
  readonly binary: string;
  readonly args: readonly string[];
  readonly options: Omit<RunProgramOptions, 'signal'>;
}

export type ToProgramThread = { readonly run: ProgramTask } | { readonly abort: number };
export interface FromProgramThread {
  readonly id: number;
  readonly result: ProgramResult;
}

/** What the callers of programs still running are told when the thread itself dies (it should not). */
const THREAD_LOST: ProgramResult = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, spawnError: 'ERR_PROGRAM_THREAD_EXITED' };

/**
 * The worker thread SMO starts external programs from, started on first use. It keeps the process
 * alive only while programs run. Should it die, the programs it was waiting for are reported as not
 * started (their process groups are their own) and the next program starts a new thread.
 */
export class ProgramThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: ProgramResult) => void>();

  constructor(private readonly startWorker: () => Worker = startProgramWorker) {}

  run(binary: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramResult> {
    const { signal, ...rest } = options;
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const abort = (): void => worker.postMessage({ abort: id } satisfies ToProgramThread);
      this.waiting.set(id, (result) => {
        signal?.removeEventListener('abort', abort);
        resolve(result);
      });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ run: { id, binary, args, options: rest } } satisfies ToProgramThread);
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = this.startWorker();
    worker.unref();
    worker.on('message', ({ id, result }: FromProgramThread) => this.settle(id, result));
    const lost = (): void => {
      if (this.worker === worker) this.worker = null;
      for (const id of [...this.waiting.keys()]) this.settle(id, THREAD_LOST);
    };
    worker.once('error', lost);
    worker.once('exit', lost);
    this.worker = worker;
    return worker;
  }

  private settle(id: number, result: ProgramResult): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    resolve(result);
  }
}

/** The compiled worker module, or from the TypeScript sources (tests, `npm run smo` before a build) transpiled on require. */
function startProgramWorker(): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'program-thread.worker.js'));
  const register = join(projectRoot(), 'scripts', 'register-ts.cjs');
  const entry = join(__dirname, 'program-thread.worker.ts');
  return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, { eval: true });
}

export const programThread = new ProgramThread();
