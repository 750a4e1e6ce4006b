import { createLogger } from '../../src/observability/logger';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';

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
