import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A bug that escapes every handler: SMO logs it as one JSON line, like every other line, and exits 1 as Node would. */
describe('an uncaught exception or unhandled rejection in a running SMO', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smo-uncaught-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (failure: 'throw' | 'reject') =>
    new Promise<{ code: number | null; stdout: string; stderr: string; listened: boolean }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--no-experimental-strip-types', '-r', join(ROOT, 'scripts/register-ts.cjs'), '-r', join(ROOT, 'test/fixtures/fail-once-listening.cjs'), join(ROOT, 'src/main.ts')],
        { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SMO_DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'info', SMO_TEST_FAILURE: failure }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
      );
      let stdout = '';
      let stderr = '';
      let listened = false;
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('message', (message: { smo?: string }) => (listened ||= message?.smo === 'listening'));
      child.once('close', (code) => resolve({ code, stdout, stderr, listened }));
    });

  it.each([
    ['throw', 'uncaught exception', 'thrown by a bug'],
    ['reject', 'unhandled rejection', 'rejected by a bug'],
  ] as const)('%s: one fatal JSON line with the error and its stack, no plain stack, exit code 1', async (failure, msg, message) => {
    const { code, stdout, stderr, listened } = await run(failure);
    expect(listened).toBe(true);
    expect(code).toBe(1);
    expect(stderr).not.toContain(message);
    const lines = stdout.trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string; stack: string } });
    const fatal = parsed.filter((line) => line.level === 60);
    expect(fatal).toEqual([expect.objectContaining({ msg, err: expect.objectContaining({ message, stack: expect.stringContaining('fail-once-listening.cjs') }) })]);
    expect(parsed.at(-1)).toBe(fatal[0]);
  }, 60_000);
});
