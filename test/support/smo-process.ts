import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { GraphView } from '../../src/api/graphs/graph-view';

const ROOT = join(__dirname, '..', '..');

/** SMO as a separate process (from the TypeScript sources), for tests that kill it. */
export interface SmoProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The V8 flags production starts SMO with (Dockerfile CMD, `npm start`; smo-process.spec checks they agree): a young
 * generation capped at 8 MB per semi-space, which V8 left to itself grows to 64 MB while the projections catch up and
 * keeps, and an old generation grown by half its live size at a time, where V8's own factor (up to 4x while the
 * catch-up allocates fast) leaves the heap sized for garbage (`npm run bench:history`).
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'];

/**
 * Starts SMO and resolves once the child itself says it listens (a message on its IPC channel, sent after the bind).
 * Without `port` the child binds a port of the system's choosing (PORT=0) and says which. Asking the system for a
 * free port first and passing it on left a window in which another process could take it: the child then failed to
 * bind, and whatever else listened there (an SMO of another test, with its own graphs) answered in its place.
 * `compiled`: run dist/ (built by `npm run build`) instead of the TypeScript sources, as production does.
 */
export async function startSmoProcess(env: Record<string, string>, port?: number, options: { compiled?: boolean } = {}): Promise<SmoProcess> {
  const entry = options.compiled ? [...PRODUCTION_NODE_FLAGS, join(ROOT, 'dist/src/main.js')] : ['--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), join(ROOT, 'src/main.ts')];
  const child = spawn(process.execPath, entry, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const kill = (signal: NodeJS.Signals = 'SIGKILL') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  const listening = await new Promise<number | Error>((resolve) => {
    const timer = setTimeout(() => done(new Error('SMO did not start within 60 s')), 60_000);
    const onMessage = (message: { smo?: unknown; port?: unknown }) => {
      if (message?.smo === 'listening' && typeof message.port === 'number') done(message.port);
    };
    const onExit = () => done(new Error('SMO exited during start-up'));
    const done = (outcome: number | Error) => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit);
      resolve(outcome);
    };
    child.on('message', onMessage).once('exit', onExit);
  });
  if (listening instanceof Error) {
    await kill();
    throw new Error(`${listening.message}:\n${output}`);
  }
  // The channel has said what it was for; left open, it would keep the child's event loop alive.
  child.disconnect();
  return { url: `http://127.0.0.1:${listening}`, child, output: () => output, kill };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether `work` settles within `ms` (its timer cleared either way: a test file's worker exits at once). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The graph's view from SMO at `url` once every service is Deployed or Pending (settled, nothing failed). */
export function settledGraph(url: string, graphId: string, timeoutMs = 60_000, what = 'the graph to settle'): Promise<GraphView> {
  return eventually(
    async () => {
      const view = (await (await fetch(`${url}/graphs/${graphId}`)).json()) as GraphView;
      return view.services.every((s) => s.status === 'Deployed' || s.status === 'Pending') ? view : null;
    },
    timeoutMs,
    what,
  );
}
