import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCTION_NODE_FLAGS, startSmoProcess, type SmoProcess } from './smo-process';

/**
 * The harness of the tests that run SMO as a child process. It once took any server answering on the port it had
 * chosen for the child as the child: when another process took that port first, the child failed to bind and a test
 * talked to a stranger (the long-history restart test saw "no lag" and a graph at the wrong revision).
 */
describe('startSmoProcess', () => {
  let dataDir: string;
  let stranger: Server | undefined;
  let smo: SmoProcess | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'smo-process-'));
  });
  afterEach(async () => {
    await smo?.kill();
    smo = undefined;
    await new Promise((resolve) => (stranger ? stranger.close(resolve) : resolve(undefined)));
    stranger = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails when the child cannot bind its port, even though something else answers there', async () => {
    // A stranger on the port, answering every request as a healthy SMO would.
    stranger = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
    const port = await new Promise<number>((resolve) => stranger!.listen(0, '127.0.0.1', () => resolve((stranger!.address() as { port: number }).port)));
    const outcome = await startSmoProcess({ SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal' }, port).then(
      (started) => {
        smo = started;
        return 'started';
      },
      (error: unknown) => String(error),
    );
    expect(outcome).toMatch(/SMO exited during start-up[\s\S]*EADDRINUSE/);
  }, 90_000);

  it("answers the URL of the child's own server: gone once the child is killed", async () => {
    smo = await startSmoProcess({ SMO_DATA_DIR: dataDir, SMO_SQLITE_SYNCHRONOUS: 'normal' });
    expect((await fetch(`${smo.url}/health/live`)).status).toBe(200);
    await smo.kill();
    await expect(fetch(`${smo.url}/health/live`)).rejects.toThrow();
  }, 90_000);
});

describe('the production Node flags', () => {
  const ROOT = join(__dirname, '../..');
  const entry = ['dist/src/main.js'];

  it('are the same in `npm start`, `npm run start:dev`, the Dockerfile, bench:api and the compiled SMO of tests and benches', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(['node', ...PRODUCTION_NODE_FLAGS, ...entry].join(' '));
    expect(scripts['start:dev']).toBe(['npm run build &&', 'node', ...PRODUCTION_NODE_FLAGS, ...entry].join(' '));
    // bench:api runs SMO in its own process: it measures SMO under the same heap settings.
    expect(scripts['bench:api']).toMatch(new RegExp(`^node ${PRODUCTION_NODE_FLAGS.join(' ')} `));
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...PRODUCTION_NODE_FLAGS, ...entry]);
  });
});
