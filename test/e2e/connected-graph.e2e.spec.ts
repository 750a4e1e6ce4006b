import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/smo-process';
import type { GraphView } from '../../src/api/graphs/graph-view';

const SERVICES = 200;
const CLUSTERS = Array.from({ length: 10 }, (_, i) => `edge-cluster-${String(i).padStart(2, '0')}`);

/**
 * 100 times the Brussels demo, every service a consumer of every other (simulated clusters and helm). Each
 * provider's ServiceImport goes to its consumers' clusters: one entry per cluster, not per consumer, so the
 * placement (imports and values of 200 services) stays a fraction of the event store's 1 MiB append limit.
 */
describe('a graph of 200 services, all connected', () => {
  let app: RunningApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smo-connected-'));
    writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n${CLUSTERS.map((name) => `  - {name: ${name}, cpu: 12, memory: 64Gi}`).join('\n')}\n`);
    app = await startApp({ SMO_SIMULATED_CLUSTERS: join(dir, 'clusters.yaml'), SMO_DEPLOY_WAIT: '0' });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is placed, each provider importing to each of its consumers’ clusters once', async () => {
    const ids = Array.from({ length: SERVICES }, (_, i) => `s${String(i).padStart(3, '0')}`);
    const services = ids.map((id) => ({
      id,
      deployment: {
        trigger: { auto: { dependencies: [] } },
        intent: { compute: { cpu: 'light', ram: 'light', storage: 'small', gpu: { enabled: false } }, connectionPoints: ids.filter((other) => other !== id) },
      },
      artifact: { ociImage: `oci://registry.example/mesh/${id}`, ociConfig: { type: 'App', implementer: 'HELM' }, valuesOverwrite: {} },
    }));
    const body = JSON.stringify({ hdaGraph: { imVersion: '0.4.0', id: 'mesh', version: '1.0.0', services } });
    const submitted = await fetch(`${app.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(submitted.status).toBe(202);

    const view = await eventually(async () => {
      const graph = (await (await fetch(`${app.url}/graphs/mesh`)).json()) as GraphView;
      return graph.placement ? graph : undefined;
    }, 20_000, 'the placement of graph mesh');
    const events = await app.runtime.eventStore.readStream('graph-mesh');
    const placed = events.find((event) => event.type === 'PlacementDecided')!;
    expect(JSON.stringify(placed.data).length).toBeLessThan(512 * 1024);
    const clustersOf = (id: string) => [...new Set(ids.filter((other) => other !== id).map((other) => view.placement![other]!))].sort();
    const imports = (placed.data as { imports: Record<string, string[]> }).imports;
    for (const id of ids) expect(imports[id]).toEqual(clustersOf(id));
  }, 60_000);
});
