import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';

describe('operations endpoints', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp()));
  afterAll(async () => smo.close());

  it('GET /health reports stores, processors and integrations, on the embedded SQLite store under the data dir', async () => {
    const response = await fetch(`${smo.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { processing: unknown[] };
    expect(body).toMatchObject({
      status: 'ok',
      stores: { eventStore: { status: 'up', adapter: 'sqlite' }, readStore: { status: 'up', adapter: 'sqlite' } },
    });
    expect(body.processing).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'stream-summaries', kind: 'projection' })]));
    expect(existsSync(join(smo.dataDir, 'smo.db'))).toBe(true);
    expect((await fetch(`${smo.url}/health/live`)).status).toBe(200);
  });

  it('echoes a correlation id, or makes one', async () => {
    const given = await fetch(`${smo.url}/health/live`, { headers: { 'x-correlation-id': 'abc-123' } });
    expect(given.headers.get('x-correlation-id')).toBe('abc-123');
    const made = await fetch(`${smo.url}/health/live`, { headers: { 'x-correlation-id': 'bad value with spaces' } });
    expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with problem+json', async () => {
    const response = await fetch(`${smo.url}/no/such/route`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/no/such/route' });
  });

  it('GET /metrics exposes HTTP, append and processor metrics in Prometheus format', async () => {
    await smo.runtime.eventStore.appendToStream('test-metrics', [{ id: randomUUID(), type: 'Probe', data: {} }]);
    await smo.runtime.processing.whenIdle();
    const text = await (await fetch(`${smo.url}/metrics`)).text();
    expect(text).toContain('smo_http_request_duration_seconds_bucket');
    expect(text).toMatch(/smo_event_store_append_duration_seconds_count\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/smo_processor_lag_events\{runner="stream-summaries",kind="projection"\} 0/);
  });

  it('rebuilds a projection through the admin API, synchronously or with progress', async () => {
    await smo.runtime.eventStore.appendToStream('test-rebuild', [{ id: randomUUID(), type: 'Probe', data: {} }]);
    await smo.runtime.processing.whenIdle();
    const sync = await fetch(`${smo.url}/admin/projections/stream-summaries/rebuild`, { method: 'POST' });
    expect(sync.status).toBe(200);
    expect(await sync.json()).toMatchObject({ status: 'rebuilt', projection: 'stream-summaries', events: expect.any(Number) });
    const started = await fetch(`${smo.url}/admin/projections/stream-summaries/rebuild`, { method: 'POST', headers: { prefer: 'respond-async' } });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/admin/projections/stream-summaries');
    const missing = await fetch(`${smo.url}/admin/projections/nope/rebuild`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const spec = (await (await fetch(`${smo.url}/smo-api-spec.json`)).json()) as { paths: Record<string, unknown> };
    expect(spec.paths['/health']).toBeDefined();
    expect((await fetch(`${smo.url}/docs`)).status).toBe(200);
  });
});
