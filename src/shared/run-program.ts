import { spawn, type ChildProcess } from 'node:child_process';
import { programLauncher } from './program-launcher';

export interface RunProgramOptions {
  /** The child's whole environment: nothing is inherited from SMO's own. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Aborting kills the program like a timeout does. */
  readonly signal?: AbortSignal;
  /** How much of stdout to keep (the tail). stderr always keeps OUTPUT_TAIL_CHARS. */
  readonly maxStdoutChars?: number;
}

export interface ProgramResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Set when the program could not be started at all: the error code, e.g. ENOENT. */
  readonly spawnError: string | null;
}

export const OUTPUT_TAIL_CHARS = 64 * 1024;

/**
 * Runs an external program (helm, hdarctl) the safe way: an argument array and no shell, an explicit
 * environment, and its own process group. On timeout or abort the whole group gets SIGKILL (helm may
 * have started credential or post-render helpers), and once more after exit so no stray child
 * survives. Never rejects.
 *
 * The program is started from SMO's program launcher (program-launcher.ts), a small child process:
 * forking SMO itself would copy its whole memory map, and Node's spawn blocks the calling thread until
 * the child has called exec, which under load took 3–20 ms while the HTTP server must keep answering.
 */
export function runProgram(binary: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramResult> {
  return programLauncher.run(binary, args, options);
}

/** runProgram from the calling process: what the program launcher runs. */
export function runProgramHere(binary: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const stdout = new TailBuffer(options.maxStdoutChars ?? OUTPUT_TAIL_CHARS);
    const stderr = new TailBuffer(OUTPUT_TAIL_CHARS);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let child: ChildProcess;
    try {
      child = spawn(binary, args, {
        cwd: options.cwd,
        env: { ...options.env },
        shell: false,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // Arguments Node refuses before starting anything (a NUL byte): reported like a failed start.
      const code = (error as NodeJS.ErrnoException).code;
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, spawnError: code ?? 'ERR_SPAWN' });
      return;
    }
    const kill = (): void => {
      killGroup(child.pid);
      // A process that left the group could still hold our pipes open; stop waiting for them.
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const settle = (result: Pick<ProgramResult, 'exitCode' | 'signal' | 'spawnError'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid);
      resolve({ ...result, stdout: stdout.text(), stderr: stderr.text(), timedOut, aborted });
    };

    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.append(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.append(chunk));
    // The helm process itself is done: reap whatever it left behind so the pipes can close.
    child.once('exit', () => killGroup(child.pid));
    // The error code ("ENOENT", "EACCES") is enough to act on and echoes no server path.
    child.once('error', (error: NodeJS.ErrnoException) => settle({ exitCode: null, signal: null, spawnError: error.code ?? error.message }));
    child.once('close', (exitCode, signal) => settle({ exitCode, signal, spawnError: null }));
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

/** Keeps the last `limit` characters: a CLI's error is at the end of its output. */
class TailBuffer {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limit: number) {}

  append(chunk: string): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    // Trim only now and then, so a large output is not copied once per chunk.
    if (this.length > 2 * this.limit) this.compact();
  }

  text(): string {
    this.compact();
    return this.chunks.join('');
  }

  private compact(): void {
    const kept = this.chunks.join('').slice(-this.limit);
    this.chunks = [kept];
    this.length = kept.length;
  }
}
