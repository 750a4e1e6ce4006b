import { request as httpRequest } from 'node:http';
import { descriptorText } from '../support/graph-fixtures';
import { startApp, type RunningApp } from '../support/app';

const GRAPH = 'image-detection-graph';

/**
 * SMO without API tokens (its default) binds to loopback and lets every request through. A web page open in the
 * operator's browser must still not drive it: neither by sending it a command from another site (a POST with no
 * body needs no CORS preflight), nor by rebinding its own DNS name to 127.0.0.1 (then its requests are
 * same-origin, and their answers readable).
 */
describe('browser requests from other sites, on an SMO without API tokens bound to loopback', () => {
  let smo: RunningApp;
  beforeAll(async () => {
    smo = await startApp({ SMO_DEPLOY_WAIT: '10' });
    const deployed = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deployed.status).toBe(200);
  });
  afterAll(async () => smo.close());

  /** One request with exactly these headers (node:http: fetch would set Origin and Host its own way). */
  function send(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; body: string }> {
    const { hostname, port } = new URL(smo.url);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ hostname, port, method, path, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }
  const status = async () => ((await (await fetch(`${smo.url}/graphs/${GRAPH}`)).json()) as { status: string }).status;

  it('refuses a command a page of another site sends (Sec-Fetch-Site, or an Origin other than the host), and runs nothing', async () => {
    const host = new URL(smo.url).host;
    const cases: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
    ];
    for (const headers of cases) {
      for (const [method, path] of [['POST', `/graphs/${GRAPH}/stop`], ['GET', `/graphs/${GRAPH}/stop`], ['DELETE', `/graphs/${GRAPH}`]] as const) {
        const answer = await send(method, path, { ...headers, host });
        expect({ method, path, headers, status: answer.status }).toEqual({ method, path, headers, status: 403 });
        expect(JSON.parse(answer.body)).toMatchObject({ status: 403, detail: expect.stringContaining('another site') });
      }
    }
    expect(await status()).toBe('Running');
  });

  it('refuses any request naming a host that is not loopback (a DNS name rebound to 127.0.0.1), reads included', async () => {
    const port = new URL(smo.url).port;
    for (const [method, path] of [['GET', `/graphs/${GRAPH}`], ['GET', '/project/demo/graphs'], ['POST', `/graphs/${GRAPH}/stop`]] as const) {
      const answer = await send(method, path, { host: `rebound.evil.example:${port}`, 'sec-fetch-site': 'same-origin', origin: `http://rebound.evil.example:${port}` });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 421 });
      expect(JSON.parse(answer.body)).toMatchObject({ title: 'Misdirected Request', status: 421 });
      expect(answer.body).not.toContain('services');
    }
    expect(await status()).toBe('Running');
  });

  it('judges an absolute-form target by its authority, which HTTP says applies, not by the Host beside it (RFC 9112 §3.2.2)', async () => {
    const port = new URL(smo.url).port;
    const loopbackHost = `127.0.0.1:${port}`;
    const refused: Array<[string, string, string]> = [
      // Another host in the target, a loopback Host beside it.
      ['GET', `http://rebound.evil.example:${port}/graphs/${GRAPH}`, loopbackHost],
      ['GET', `http://rebound.evil.example:${port}/project/demo/graphs`, loopbackHost],
      ['POST', `http://rebound.evil.example:${port}/graphs/${GRAPH}/stop`, loopbackHost],
      // A loopback target with another Host: SMO reads the Host elsewhere (the Origin check), so the two must agree.
      ['GET', `http://${loopbackHost}/graphs/${GRAPH}`, `rebound.evil.example:${port}`],
      ['POST', `http://${loopbackHost}/graphs/${GRAPH}/stop`, `localhost:${port}`],
    ];
    for (const [method, target, host] of refused) {
      const answer = await send(method, target, { host });
      expect({ method, target, host, status: answer.status }).toEqual({ method, target, host, status: 421 });
      expect(answer.contentType).toContain('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ title: 'Misdirected Request', status: 421, detail: expect.stringContaining('loopback host') });
      expect(answer.body).not.toContain('services');
    }
    expect(await status()).toBe('Running');
    // A loopback authority in the target, the same in the Host: served as its origin-form twin is.
    for (const authority of [loopbackHost, `localhost:${port}`, `[::1]:${port}`]) {
      const answer = await send('GET', `http://${authority}/graphs/${GRAPH}`, { host: authority });
      expect({ authority, status: answer.status }).toEqual({ authority, status: 200 });
      expect(JSON.parse(answer.body)).toMatchObject({ name: GRAPH });
    }
  });

  it('serves its own console and clients without a browser: same origin, loopback names, no Origin at all', async () => {
    const port = new URL(smo.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await send('GET', `/graphs/${GRAPH}`, { host })).status).toBe(200);
    }
    // The console: same origin.
    const own = { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' };
    expect((await send('POST', `/graphs/${GRAPH}/stop`, own)).status).toBe(200);
    // curl, the smo CLI, Alertmanager: no Origin, no Sec-Fetch-Site.
    expect((await send('POST', `/graphs/${GRAPH}/start`, { host: `127.0.0.1:${port}` })).status).toBe(200);
    // A user typing the URL of upstream's GET command in the address bar: Sec-Fetch-Site none.
    expect((await send('GET', `/graphs/${GRAPH}/stop`, { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'none' })).status).toBe(200);
    expect(await status()).toBe('Stopped');
  });

  it('runs the console’s commands behind a reverse proxy that passes SMO a loopback Host (as this README asks) or drops the port', async () => {
    const port = new URL(smo.url).port;
    // nginx's default proxy_set_header Host $proxy_host: the browser's Origin names the proxy, the Host SMO itself.
    const proxied = { host: `127.0.0.1:${port}`, origin: 'https://smo.example.org', 'sec-fetch-site': 'same-origin' };
    expect((await send('POST', `/graphs/${GRAPH}/start`, proxied)).status).toBe(200);
    // proxy_set_header Host $host: the name without the port the browser used.
    expect((await send('POST', `/graphs/${GRAPH}/stop`, { ...proxied, host: 'localhost', origin: 'https://localhost:8443' })).status).toBe(200);
    expect(await status()).toBe('Stopped');
    // Another site's page through the same proxy is still refused: its browser says cross-site.
    expect((await send('POST', `/graphs/${GRAPH}/start`, { ...proxied, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).status).toBe(403);
    expect(await status()).toBe('Stopped');
  });
});
