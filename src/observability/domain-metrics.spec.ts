import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { SimulatedHelmAdapter, readSimulatedReleases } from '../integrations/helm/simulated-helm.adapter';
import { DomainMetrics } from './domain-metrics';

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
