import { createServer, request, type Server } from 'node:http';
import net from 'node:net';

/**
 * Asks the kernel for a free loopback port, for a server that cannot bind port 0 and say which
 * port it got (Prometheus, Alertmanager, FerretDB). Another process may take the port before the
 * server binds it; such a server then fails to start, loudly. A server of ours binds port 0.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * An HTTP relay bound now (port 0) that forwards to a server started later: for a server that must
 * be told another's URL before that one exists (Alertmanager's webhook → SMO, which needs
 * Prometheus's URL to start). Until `forwardTo` is called it answers 503.
 */
export async function startRelay(): Promise<{ url: string; forwardTo(target: string): void; stop(): Promise<void>; forwarded(): number }> {
  let target: URL | null = null;
  let count = 0;
  const server: Server = createServer((incoming, outgoing) => {
    if (!target) {
      outgoing.writeHead(503).end();
      return;
    }
    count += 1;
    const forwarded = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.headersSent || outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwardTo: (url) => (target = new URL(url)),
    /** Requests forwarded so far. */
    forwarded: () => count,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
