import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { logContext } from '../src/observability/logger';
import { Metrics } from '../src/observability/metrics';

async function measure(withHooks: boolean) {
  const server = Fastify();
  if (withHooks) {
    const metrics = new Metrics(() => ({ report: async () => [] }) as never);
    server.addHook('onRequest', (request, reply, done) => {
      const given = request.headers['x-correlation-id'];
      const correlationId = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
      void reply.header('x-correlation-id', correlationId);
      logContext.run({ correlationId }, done);
    });
    server.addHook('onSend', (request, reply, payload, done) => {
      void reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
      if (!request.url.startsWith('/docs')) void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      done(null, payload);
    });
    server.addHook('onResponse', (request, reply, done) => {
      metrics.httpRequests.observe({ method: request.method, route: request.routeOptions.url ?? 'x', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
  server.get('/', async () => ({ hello: 'world' }));
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/`;
  await autocannon({ url, connections: 100, duration: 2, workers: 1 });
  const before = process.threadCpuUsage();
  const result = await autocannon({ url, connections: 100, duration: 4, workers: 1 });
  const cpu = process.threadCpuUsage(before);
  await server.close();
  return { withHooks, rps: Math.round(result.requests.total / result.duration), cpuUs: ((cpu.user + cpu.system) / result.requests.total).toFixed(1) };
}
void (async () => {
  for (const h of [false, true, false, true]) console.log(JSON.stringify(await measure(h)));
})();
