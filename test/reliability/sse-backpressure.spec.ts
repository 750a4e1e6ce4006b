import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startApp, type RunningApp } from '../support/app';

/**
 * GET /events/stream under a client that resumes from the start and then reads nothing (stalled, or
 * slower than the store): SMO waits for the socket to drain before it reads on, so what it holds for
 * that client is a socket's buffer, not the history (found by a review helper: 45.6 MB queued for
 * 40 MB of history).
 */
describe('event stream: back-pressure and resume point', () => {
  let smo: RunningApp;
  const serverSockets: Socket[] = [];

  beforeAll(async () => {
    smo = await startApp();
    // 6,000 events of about 2 KB: about 12 MB of history.
    const padding = 'x'.repeat(2000);
    for (let batch = 0; batch < 12; batch++) {
      await smo.runtime.eventStore.appendToStream(`probe-${batch}`, Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), type: 'Probe', data: { i, padding } })));
    }
    smo.app.getHttpServer().on('connection', (socket: Socket) => serverSockets.push(socket));
  }, 120_000);

  afterAll(async () => {
    for (const socket of serverSockets) socket.destroy();
    await smo?.close();
  });

  it('holds a socket buffer, not the history, for a client that does not read', async () => {
    const { port } = new URL(smo.url);
    const client = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('GET /events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n');
    client.pause();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const queued = serverSockets.reduce((sum, socket) => sum + socket.writableLength, 0);
    client.destroy();
    expect(queued).toBeLessThan(2 * 1024 * 1024);
  }, 30_000);

  it('starts with the position it follows from, so a drop before any event resumes there', async () => {
    const head = await smo.runtime.eventStore.headPosition();
    const response = await fetch(`${smo.url}/events/stream`);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(first).toBe(`: connected\nid: ${head}\n\n`);
  });
});
