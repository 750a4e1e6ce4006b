import { spawn } from 'node:child_process';

export interface RunOptions {
  /** The child's whole environment: nothing is inherited from SMO's own. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly ended: 'exited' | 'timed-out' | 'aborted';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last STDERR_TAIL_CHARS characters of stderr. */
  readonly stderrTail: string;
}

const STDERR_TAIL_CHARS = 4096;

/**
 * Runs a CLI the safe way (reliability-security §B.3): an argument array and no shell, an explicit
 * minimal environment, and its own process group, which is killed with SIGKILL on timeout or abort,
 * and once more after exit so no stray child keeps writing into the caller's directory.
 * Rejects only when the program cannot be started.
 */
export function runWithoutShell(binary: string, args: readonly string[], options: RunOptions): Promise<RunOutcome> {
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve({ ended: 'aborted', exitCode: null, signal: null, stderrTail: '' });
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd: options.cwd,
      env: { ...options.env },
      shell: false,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let ended: RunOutcome['ended'] = 'exited';
    let stderrTail = '';
    let settled = false;
    const stop = (reason: RunOutcome['ended']): void => {
      ended = reason;
      killGroup(child.pid);
    };
    const timer = setTimeout(() => stop('timed-out'), options.timeoutMs);
    const onAbort = (): void => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid);
    };

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.once('error', (error) => {
      if (settled) return;
      finish();
      reject(error);
    });
    child.once('close', (exitCode, exitSignal) => {
      if (settled) return;
      finish();
      resolve({ ended, exitCode, signal: exitSignal, stderrTail });
    });
  });
}

/** A detached child leads its own process group, whose id is its pid: -pid addresses the whole group. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}
