import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for Prometheus' HTTP API: `GET /api/v1/query` answers what the test says,
 * `POST /-/reload` is counted. For shapes a real Prometheus rarely produces on demand (error
 * envelopes, non-JSON proxies, hangs). The real one is `test/support/prometheus-rig.ts`.
 *
 *   const prometheus = new FakePrometheus();
 *   const url = await prometheus.start();
 *   prometheus.answer(() => vectorReply([{ labels: { service: 'svc' }, value: '2.5' }]));
 */

export interface FakeReply {
  status: number;
  /** An object is sent as JSON; a string as is. */
  body: unknown;
  contentType?: string;
}

export function vectorReply(samples: Array<{ labels?: Record<string, string>; value: string }>): FakeReply {
  const result = samples.map((s) => ({ metric: s.labels ?? {}, value: [1_700_000_000.123, s.value] }));
  return { status: 200, body: { status: 'success', data: { resultType: 'vector', result } } };
}

export function errorReply(status: number, errorType: string, error: string): FakeReply {
  return { status, body: { status: 'error', errorType, error } };
}

export class FakePrometheus {
  readonly queries: string[] = [];
  reloads = 0;
  /** Each answer is sent this long after its request (a Prometheus a network hop away, or busy). */
  delayMs = 0;
  /** A function is asked at each reload (e.g. to answer after what the rules file holds). */
  reloadReply: FakeReply | (() => FakeReply) = { status: 200, body: '' };
  private reply: (query: string) => FakeReply | Promise<FakeReply> = () => vectorReply([]);
  private hanging = false;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<Socket>();

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      request.resume();
      if (this.hanging) return void this.hung.add(request.socket); // never answered; cut by up() or stop()
      let answered: FakeReply | Promise<FakeReply>;
      if (request.method === 'GET' && url.pathname === '/api/v1/query') {
        const query = url.searchParams.get('query') ?? '';
        this.queries.push(query);
        answered = this.reply(query);
      } else if (request.method === 'POST' && url.pathname === '/-/reload') {
        this.reloads += 1;
        answered = typeof this.reloadReply === 'function' ? this.reloadReply() : this.reloadReply;
      } else answered = { status: 404, body: '404 page not found\n', contentType: 'text/plain' };
      void Promise.resolve(answered).then((reply) => {
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const contentType = reply.contentType ?? (typeof reply.body === 'string' ? 'text/plain' : 'application/json');
        const send = () => response.writeHead(reply.status, { 'content-type': contentType }).end(text);
        if (this.delayMs > 0) setTimeout(send, this.delayMs);
        else send();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** `reply` may answer later (a promise): a slow Prometheus, or a test acting while SMO waits for the answer. */
  answer(reply: (query: string) => FakeReply | Promise<FakeReply>): void {
    this.reply = reply;
  }

  /** Accepts requests and never answers, to exercise client timeouts. */
  hang(): void {
    this.hanging = true;
  }

  /** Answers again; the hung requests' connections are cut (idle keep-alive ones are left alone). */
  up(): void {
    this.hanging = false;
    for (const socket of this.hung) socket.destroy();
    this.hung.clear();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    this.destroySockets();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private destroySockets(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
