/**
 * Launches a real FerretDB (MongoDB wire protocol, SQLite backend) for tests.
 * The binary comes from `scripts/build-tools.sh` (tools/ferretdb/ferretdb) or `FERRETDB_BIN`;
 * when it is absent the caller gets `{ skipped }` so suites can skip instead of fail.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export interface FerretDb {
  url: string;
  stop(): Promise<void>;
}

export interface FerretDbSkipped {
  skipped: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 20_000;
const KILL_GRACE_MS = 5_000;

export async function startFerretDb(): Promise<FerretDb | FerretDbSkipped> {
  const bin = process.env.FERRETDB_BIN || path.join(REPO_ROOT, 'tools', 'ferretdb', 'ferretdb');
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    return { skipped: `FerretDB binary not found or not executable at ${bin}; run scripts/build-tools.sh or set FERRETDB_BIN` };
  }

  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smo-ferretdb-'));
  const child = spawn(bin, ['-listen', `127.0.0.1:${port}`, '-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  // Keep the tail of stderr for error messages; reading it also prevents a full pipe from blocking the server.
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`failed to spawn ${bin}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });

  // Do not leave an orphaned server behind if the test process exits without calling stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    })());

  try {
    await waitForPort(port, exited);
  } catch (err) {
    await stop();
    throw new Error(`FerretDB did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return { url: `mongodb://127.0.0.1:${port}/`, stop };
}

/** Polls until a TCP connection succeeds; fails early if the process dies, or after START_TIMEOUT_MS. */
async function waitForPort(port: number, exited: Promise<string>): Promise<void> {
  let exitReason: string | undefined;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitReason !== undefined) throw new Error(exitReason);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`no TCP listener on 127.0.0.1:${port} after ${START_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
