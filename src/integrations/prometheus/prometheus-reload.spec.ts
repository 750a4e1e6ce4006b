import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reloadPrometheus } from './prometheus-reload';

describe('reloadPrometheus', () => {
  let server: Server;
  let url: string;
  let sent = 0;
  let cut: Promise<void>;

  beforeEach(async () => {
    sent = 0;
    let onCut: () => void = () => undefined;
    cut = new Promise((resolve) => (onCut = resolve));
    // A reload answer that never ends (a proxy's error page on a loop, a misbehaving server): 64 KiB every 10 ms.
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const timer = setInterval(() => {
        response.write(chunk);
        sent += chunk.length;
      }, 10);
      response.on('close', () => {
        clearInterval(timer);
        onCut();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops reading an oversized answer and reports the status, rather than hold it until the timeout', async () => {
    const started = Date.now();
    const result = await reloadPrometheus(url, 3_000);
    expect(result).toEqual({ reloaded: false, status: 500, error: 'POST /-/reload answered HTTP 500: an answer larger than 64 KiB' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await cut; // the connection is closed: nothing more is read
    expect(sent).toBeLessThan(1024 * 1024);
  });
});
