import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy in front of a real (or fake) server, for outages the server itself cannot
 * play: `down()` stops listening (connection refused) and cuts
 * every open connection, `hang()` accepts connections and forwards nothing (the client's timeout
 * fires), `up()` serves again on the same port. SMO is given `url` instead of the target's.
 */
export class FaultProxy {
  private server: Server | null = null;
  private port = 0;
  private mode: 'up' | 'hang' | 'down' = 'up';
  private readonly sockets = new Set<Socket>();

  private target: { host: string; port: number } = { host: '127.0.0.1', port: 9 };

  /** `targetUrl` may come later (`retarget`), e.g. when the target starts after SMO was given the proxy's URL. */
  static async start(targetUrl?: string): Promise<FaultProxy> {
    const proxy = new FaultProxy();
    if (targetUrl) proxy.retarget(targetUrl);
    await proxy.listen();
    return proxy;
  }

  retarget(targetUrl: string): void {
    const url = new URL(targetUrl);
    this.target = { host: url.hostname, port: Number(url.port) };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connection refused, open connections reset. */
  async down(): Promise<void> {
    this.mode = 'down';
    this.cut();
    await this.close();
  }

  /** Connections are accepted and nothing comes back. */
  async hang(): Promise<void> {
    this.cut();
    if (!this.server) await this.listen();
    this.mode = 'hang';
  }

  async up(): Promise<void> {
    this.cut();
    if (!this.server) await this.listen();
    this.mode = 'up';
  }

  async stop(): Promise<void> {
    this.cut();
    await this.close();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = null;
    return server ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'down') return void client.destroy();
    if (this.mode === 'hang') return; // held open until up(), down() or stop()
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private cut(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
