import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorReply, FakePrometheus, vectorReply } from '../../../test/fakes/prometheus/fake-prometheus';
import { PrometheusClient } from './prometheus-client';
import { promqlString, requestRateQuery } from './promql';

describe('requestRateQuery', () => {
  it('is upstream’s PromQL, character for character, without a namespace', () => {
    expect(requestRateQuery({ service: 'noise-reduction' }, 30)).toBe('sum(rate(flask_http_request_total{service="noise-reduction"}[30s]))by(service)');
    expect(requestRateQuery({ service: 'svc' }, 5, 'http_requests_total')).toBe('sum(rate(http_requests_total{service="svc"}[5s]))by(service)');
  });

  it("matches the project's namespace too when given one: another project's service of that name adds nothing", () => {
    expect(requestRateQuery({ service: 'svc', namespace: { label: 'namespace', value: 'team-a' } }, 30)).toBe(
      'sum(rate(flask_http_request_total{service="svc",namespace="team-a"}[30s]))by(service)',
    );
    expect(() => requestRateQuery({ service: 'svc', namespace: { label: 'name space', value: 'a' } }, 30)).toThrow(RangeError);
  });

  it('escapes the label value', () => {
    expect(requestRateQuery({ service: 'a"b\\c\nd' }, 5)).toBe('sum(rate(flask_http_request_total{service="a\\"b\\\\c\\nd"}[5s]))by(service)');
    expect(promqlString('"}) or vector(1) #')).toBe('"\\"}) or vector(1) #"');
  });

  it('refuses a bad window or metric name', () => {
    expect(() => requestRateQuery({ service: 'svc' }, 0)).toThrow(RangeError);
    expect(() => requestRateQuery({ service: 'svc' }, 2.5)).toThrow(RangeError);
    expect(() => requestRateQuery({ service: 'svc' }, 5, 'rate{x}')).toThrow(RangeError);
  });
});

describe('PrometheusClient against a fake Prometheus', () => {
  const prometheus = new FakePrometheus();
  let client: PrometheusClient;
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await prometheus.start();
    client = new PrometheusClient({ baseUrl, timeoutMs: 1000 });
  });
  afterAll(() => prometheus.stop());
  afterEach(() => prometheus.up());

  it('sends the query and reads vector samples with their labels', async () => {
    prometheus.answer(() => vectorReply([{ labels: { service: 'svc' }, value: '2.5' }, { value: '1e+06' }]));
    expect(await client.instantQuery('up{job="a b"}')).toEqual({
      ok: true,
      samples: [{ labels: { service: 'svc' }, value: 2.5 }, { labels: {}, value: 1e6 }],
      warnings: [],
    });
    expect(prometheus.queries.at(-1)).toBe('up{job="a b"}');
  });

  it('reads NaN and ±Inf sample values, and scalar results', async () => {
    prometheus.answer(() => vectorReply([{ value: 'NaN' }, { value: '+Inf' }, { value: '-Inf' }]));
    const outcome = await client.instantQuery('x');
    expect(outcome.ok && outcome.samples.map((s) => s.value)).toEqual([NaN, Infinity, -Infinity]);
    prometheus.answer(() => ({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1.5, '+Inf'] } } }));
    expect(await client.instantQuery('1/0')).toMatchObject({ ok: true, samples: [{ labels: {}, value: Infinity }] });
  });

  it('refuses an answer larger than it reads (a query matching far more series than meant), rather than hold it', async () => {
    const series = Array.from({ length: 40_000 }, (_, i) => ({ labels: { service: `svc-${i}`, pod: `pod-${'x'.repeat(80)}-${i}` }, value: '1' }));
    prometheus.answer(() => vectorReply(series));
    expect(await client.instantQuery('rate(x[1m])')).toEqual({ ok: false, kind: 'invalid', error: 'the answer is larger than 4 MiB', status: 200 });
  });

  it('returns Prometheus’ error envelope as kind "prometheus"', async () => {
    prometheus.answer(() => errorReply(400, 'bad_data', 'invalid parameter "query": 1:6: parse error: unclosed left parenthesis'));
    expect(await client.instantQuery('sum((')).toEqual({
      ok: false,
      kind: 'prometheus',
      status: 400,
      errorType: 'bad_data',
      error: 'bad_data: invalid parameter "query": 1:6: parse error: unclosed left parenthesis',
    });
    prometheus.answer(() => errorReply(503, 'timeout', 'query timed out in expression evaluation'));
    expect(await client.instantQuery('x')).toMatchObject({ ok: false, kind: 'prometheus', status: 503, errorType: 'timeout' });
  });

  it('returns a non-Prometheus HTTP error as kind "http"', async () => {
    prometheus.answer(() => ({ status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }));
    expect(await client.instantQuery('x')).toEqual({ ok: false, kind: 'http', status: 502, error: 'HTTP 502: <html>Bad Gateway</html>' });
    expect(await new PrometheusClient({ baseUrl: `${baseUrl}/wrong-prefix` }).instantQuery('x')).toMatchObject({ kind: 'http', status: 404 });
  });

  it.each([
    ['a non-JSON 200', { status: 200, body: 'OK' }, 'not JSON'],
    ['a success without data', { status: 200, body: { status: 'success' } }, 'envelope'],
    ['a matrix result', { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } }, 'vector or scalar'],
    ['a number value', { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 2] }] } } }, 'result[0]'],
    ['a garbage value', { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0x1'] }] } } }, 'result[0]'],
  ])('returns %s as kind "invalid"', async (_case, reply, message) => {
    prometheus.answer(() => reply);
    const outcome = await client.instantQuery('x');
    expect(outcome).toMatchObject({ ok: false, kind: 'invalid', status: 200 });
    expect(!outcome.ok && outcome.error).toContain(message);
  });

  it('keeps warnings', async () => {
    prometheus.answer(() => ({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['partial'] } }));
    expect(await client.instantQuery('x')).toEqual({ ok: true, samples: [], warnings: ['partial'] });
  });

  it('times out a Prometheus that never answers', async () => {
    prometheus.hang();
    const quick = new PrometheusClient({ baseUrl, timeoutMs: 150 });
    const started = Date.now();
    expect(await quick.instantQuery('x')).toEqual({ ok: false, kind: 'timeout', status: null, error: 'no answer within 150 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('rethrows the caller’s own cancellation', async () => {
    prometheus.hang();
    const controller = new AbortController();
    const pending = client.instantQuery('x', controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('reports an unreachable Prometheus', async () => {
    const outcome = await new PrometheusClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).instantQuery('x');
    expect(outcome).toMatchObject({ ok: false, kind: 'unreachable', status: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it("checkExpression: a Prometheus that does not say (no format_query before 2.38, unreachable) is unknown, not a refusal", async () => {
    expect(await client.checkExpression('rate(up)')).toEqual({ ok: false, unknown: expect.stringContaining('404') });
    expect(await new PrometheusClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).checkExpression('up')).toEqual({ ok: false, unknown: expect.stringContaining('ECONNREFUSED') });
  });

  describe('requestRate', () => {
    it('returns the first sample’s value', async () => {
      prometheus.answer(() => vectorReply([{ labels: { service: 'svc' }, value: '12.25' }]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toEqual({ ok: true, rate: 12.25 });
      expect(prometheus.queries.at(-1)).toBe('sum(rate(flask_http_request_total{service="svc"}[30s]))by(service)');
    });

    it('tells no series (unknown: nothing counted yet, or the exporter gone) from a rate of 0; NaN is 0, as upstream', async () => {
      prometheus.answer(() => vectorReply([]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toEqual({ ok: true, rate: null });
      prometheus.answer(() => vectorReply([{ value: '0' }]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toEqual({ ok: true, rate: 0 });
      prometheus.answer(() => vectorReply([{ value: 'NaN' }]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toEqual({ ok: true, rate: 0 });
    });

    it('refuses an infinite or negative rate and passes failures through', async () => {
      prometheus.answer(() => vectorReply([{ value: '+Inf' }]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toMatchObject({ ok: false, kind: 'invalid' });
      prometheus.answer(() => vectorReply([{ value: '-2.5' }]));
      expect(await client.requestRate({ service: 'svc' }, 30)).toMatchObject({ ok: false, kind: 'invalid', error: 'request rate is -2.5' });
      prometheus.answer(() => errorReply(422, 'execution', 'boom'));
      expect(await client.requestRate({ service: 'svc' }, 30)).toMatchObject({ ok: false, kind: 'prometheus', errorType: 'execution' });
    });
  });

  it('refuses a bad configuration at construction', () => {
    expect(() => new PrometheusClient({ baseUrl: 'localhost:9090' })).toThrow();
    expect(() => new PrometheusClient({ baseUrl, timeoutMs: 0 })).toThrow(RangeError);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
