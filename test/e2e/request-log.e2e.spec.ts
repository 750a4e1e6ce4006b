import { createLogger } from '../../src/observability/logger';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

/** The per-request log line (written without pino's path redaction, see create-app.ts). */
describe('request log line', () => {
  let smo: RunningApp;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    smo = await startApp({}, { logger });
  });
  afterAll(async () => smo?.close());

  it('carries the correlation id, the status and the URL with its credentials redacted', async () => {
    const response = await fetch(`${smo.url}/graphs/nope?token=canary-request-token&x=1`, { headers: { 'x-correlation-id': 'corr-request-log-1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-correlation-id')).toBe('corr-request-log-1');
    const line = lines.find((l) => l.msg === 'request' && l.correlationId === 'corr-request-log-1');
    expect(line).toMatchObject({ method: 'GET', url: '/graphs/nope?token=[redacted]&x=1', status: 404, service: 'smo' });
    expect(JSON.stringify(lines)).not.toContain('canary-request-token');
  });

  it("logs what the processors did for a request under the request's correlation id (they handle its events)", async () => {
    const deploy = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml', 'x-correlation-id': 'corr-request-log-deploy' }, body: descriptorText() });
    expect(deploy.status).toBe(200);
    expect(lines.filter((l) => l.correlationId === 'corr-request-log-deploy').map((l) => l.msg)).toEqual(expect.arrayContaining(['placement decided', 'request']));
  });

  it('carries the correlation id of graph reads Fastify answers directly, from the cache too (no log context is entered there)', async () => {
    for (const [path, status, id] of [['/graphs/nope', 404, 'corr-request-log-2'], ['/graphs/image-detection-graph', 200, 'corr-request-log-3'], ['/graphs/image-detection-graph', 200, 'corr-request-log-4']] as const) {
      const response = await fetch(`${smo.url}${path}`, { headers: { 'x-correlation-id': id } });
      expect(response.status).toBe(status);
      expect(lines.find((l) => l.msg === 'request' && l.correlationId === id)).toMatchObject({ method: 'GET', url: path, status });
    }
  });
});

describe('request lines and secrets in what helm says', () => {
  const REGISTRY_PASSWORD = 'canary-registry-password-5d1e';
  let rig: OrchestratorRig;
  const lines: string[] = [];
  beforeAll(async () => {
    rig = await startRig({ logger: createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } }) });
  }, 60_000);
  afterAll(async () => rig?.stop());

  it('keeps registry credentials that helm echoes in its stderr out of events, logs and answers', async () => {
    const stderr = `Error: INSTALLATION FAILED: failed to do request: Head "https://robot:${REGISTRY_PASSWORD}@registry.example.org/v2/charts/manifests/1.0": dial tcp: i/o timeout`;
    rig.helm.control({ fail: [{ command: 'install', release: 'image-detection', times: 5, exitCode: 1, stderr }] });
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    await rig.idle();
    const failed = await rig.smo.runtime.eventStore.readAll({ filter: { eventTypes: ['ServiceDeploymentFailed'] } });
    expect(JSON.stringify(failed)).toContain('https://***@registry.example.org');
    const answers = [await (await rig.request('GET', '/graphs/image-detection-graph')).text(), await (await rig.request('GET', '/graphs/image-detection-graph/history')).text()];
    expect({
      events: JSON.stringify(failed).includes(REGISTRY_PASSWORD),
      logLines: lines.filter((line) => line.includes(REGISTRY_PASSWORD)).length,
      answers: answers.filter((answer) => answer.includes(REGISTRY_PASSWORD)).length,
    }).toEqual({ events: false, logLines: 0, answers: 0 });
  }, 60_000);

  it('writes a request line (and counts the request) for the router’s refusals and for the hijacked event stream', async () => {
    const badUrl = await rig.request('GET', '/graphs/%E0%A4%A', { headers: { 'x-correlation-id': 'c-bad-url' } });
    const tooLong = await rig.request('GET', `/graphs/${'a'.repeat(5000)}`, { headers: { 'x-correlation-id': 'c-too-long' } });
    expect([badUrl.headers.get('x-correlation-id'), tooLong.headers.get('x-correlation-id')]).toEqual(['c-bad-url', 'c-too-long']);
    const client = new AbortController();
    const sse = await fetch(`${rig.smo.url}/events/stream`, { headers: { 'x-correlation-id': 'c-sse' }, signal: client.signal });
    await sse.body!.getReader().read();
    client.abort();
    const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
    const statusOf = (id: string) => logged().find((line) => line.correlationId === id)?.status ?? null;
    await eventually(async () => statusOf('c-sse') !== null, 5_000, 'the stream’s request line');
    expect([badUrl.status, tooLong.status, sse.status]).toEqual([400, 414, 200]);
    const metrics = await (await rig.request('GET', '/metrics')).text();
    expect({
      logged: { badUrl: statusOf('c-bad-url'), tooLong: statusOf('c-too-long'), sse: statusOf('c-sse') },
      counted: { badUrl: /route="unmatched",status="400"/.test(metrics), tooLong: /status="414"/.test(metrics), sse: /route="\/events\/stream"/.test(metrics) },
    }).toEqual({ logged: { badUrl: 400, tooLong: 414, sse: 200 }, counted: { badUrl: true, tooLong: true, sse: true } });
  }, 30_000);
});
