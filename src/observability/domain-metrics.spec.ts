import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { SimulatedHelmAdapter, readSimulatedReleases } from '../integrations/helm/simulated-helm.adapter';
import { DomainMetrics } from './domain-metrics';
import { createLogger } from './logger';

describe('DomainMetrics.instrumentHelm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-instrumented-helm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every argument through: an adoption upgrades with --reset-values, not the default --reuse-values', async () => {
    const registry = new Registry();
    const helm = new DomainMetrics(registry, () => undefined).instrumentHelm(new SimulatedHelmAdapter({ dir }));
    const request = { release: 'r', chart: 'oci://registry.example/charts/app', namespace: 'demo', graphId: 'g' };
    await helm.install({ ...request, values: { foreign: { hostPath: '/' }, replicas: 1 } });
    const adopted = await helm.upgrade({ ...request, values: { replicas: 2 } }, 'reset');
    expect(adopted).toMatchObject({ ok: true, args: expect.arrayContaining(['--reset-values']) as unknown });
    expect((await readSimulatedReleases(dir)).find((r) => r.release === 'r')!.values).toEqual({ replicas: 2 });
    expect(await registry.getSingleMetricAsString('smo_helm_operations_total')).toContain('action="upgrade",outcome="ok"} 1');
  });
});

describe('DomainMetrics.observe: the placement decided line', () => {
  const logged = (level: string) => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
        done();
      },
    });
    return { logger: createLogger({ level, destination }), lines };
  };
  // 1,000 services on two clusters, one of them on both (highAvailability).
  const placement = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`service-${String(i).padStart(4, '0')}`, i % 4 === 0 ? 'edge' : 'core']));
  const decided = {
    type: 'PlacementDecided',
    data: { graphId: 'big', algorithm: 'milp', reason: 'first-deploy', solver: 'highs', objective: 12.5, moves: 0, durationMs: 812.4, placement, clusterSets: { 'service-0001': ['core', 'edge'] } },
  };

  it('at info: a summary (services, clusters used, objective), as short at 1,000 services as at 3; the whole placement at debug', () => {
    const info = logged('info');
    new DomainMetrics(new Registry(), () => undefined).observe([decided], info.logger);
    expect(info.lines).toHaveLength(1);
    const [line] = info.lines;
    expect(line).toMatchObject({ level: 30, msg: 'placement decided', graph: 'big', algorithm: 'milp', reason: 'first-deploy', solver: 'highs', objective: 12.5, moves: 0, durationMs: 812 });
    expect(line).toMatchObject({ services: 1000, clusters: { core: 750, edge: 251 } });
    expect(line).not.toHaveProperty('placement');
    expect(JSON.stringify(line).length).toBeLessThan(500);

    const debug = logged('debug');
    new DomainMetrics(new Registry(), () => undefined).observe([decided], debug.logger);
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'placement decided'],
      [20, 'placement decided: the placement'],
    ]);
    expect(debug.lines[1]).toMatchObject({ graph: 'big', placement, clusterSets: { 'service-0001': ['core', 'edge'] } });
  });
});
