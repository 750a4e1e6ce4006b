import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmoProcess, type SmoProcess } from '../support/smo-process';

/**
 * Issue 15 item 5: an open `GET /events/stream` must not hold up shutdown. Without a client SMO
 * stops in well under a second; before the fix one connected client kept it alive for ~14 s.
 */
describe('SIGTERM with an event stream open', () => {
  let dataDir: string;
  let smo: SmoProcess | undefined;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'smo-sse-'))));
  afterEach(async () => {
    await smo?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SMO exits promptly and the client sees the stream end cleanly', async () => {
    smo = await startSmoProcess({ SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal' });
    const response = await fetch(`${smo.url}/events/stream`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = decoder.decode((await reader.read()).value);
    expect(received).toContain(': connected');

    const child = smo.child;
    const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
    const later = (ms: number) => new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref());
    // The stream ends (done); it is not cut (a reset would reject the read).
    const ended = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'ended' as const;
        received += decoder.decode(value);
      }
    })();
    child.kill('SIGTERM');
    // Prompt: 5 s is far above a normal stop (≈0.1 s) and far below the 14 s it took with the stream holding on.
    expect(await Promise.race([ended, later(5000)])).toBe('ended');
    expect(received).toMatch(/event: shutdown\ndata: .*\n\n$/);
    expect(await Promise.race([exited, later(5000)])).toBe('exited');
    expect(smo.output()).not.toMatch(/"level":50/);
  }, 60_000);
});
