import { randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText, independentServicesDescriptor } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';

const GRAPH = 'image-detection-graph';
// Set by test/support/global-setup.ts when it started FerretDB (under CI it must), or by the developer (MONGO_URL).
const url = process.env.SMO_TEST_MONGO_URL ?? process.env.MONGO_URL;
const skipReason = process.env.SMO_TEST_MONGO_SKIP ?? 'no MongoDB-wire server (SMO_TEST_MONGO_URL or MONGO_URL)';

interface Health {
  processing: Array<{ name: string; state: string; lastError?: string }>;
}

/**
 * SMO with `SMO_READ_STORE=mongodb`, the production read store, under the whole application: the embedded
 * inventory's clusters carry SMO's own dotted labels (`smo.nephele.eu/trusted`), and Helm values carry
 * names such as `prometheus.io/scrape` or `$schema`, which a MongoDB server refuses as field names.
 */
(url ? describe : describe.skip)(`SMO over the MongoDB read store${url ? '' : ` (skipped: ${skipReason})`}`, () => {
  let smo: RunningApp;
  const env = { SMO_READ_STORE: 'mongodb', MONGO_URL: (url ?? '').replace(/\/[^/]*$/, `/e2e_${randomUUID().slice(0, 8)}`), SMO_DEPLOY_WAIT: '20' };
  const deploy = (project: string, body: string) => fetch(`${smo.url}/project/${project}/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body });
  const failing = async () => ((await (await fetch(`${smo.url}/health`)).json()) as Health).processing.filter((p) => p.state !== 'running').map((p) => `${p.name}: ${p.lastError}`);

  beforeAll(async () => (smo = await startApp(env)));
  afterAll(async () => smo?.close());

  it('places on clusters with dotted labels, and deploys and lists a graph whose Helm values have dotted and $ names', async () => {
    expect((await deploy('demo', descriptorText())).status).toBe(200);
    const clusters = (await (await fetch(`${smo.url}/clusters/`)).json()) as Array<{ name: string }>;
    expect(clusters.length).toBeGreaterThan(0);
    const descriptor = parse(independentServicesDescriptor('keys', 1, ['oci://registry.example/charts/app'])) as { hdaGraph: { services: Array<{ artifact: { valuesOverwrite?: unknown } }> } };
    const values = { podAnnotations: { 'prometheus.io/scrape': 'true' }, $schema: 'https://example.org/values.schema.json' };
    descriptor.hdaGraph.services[0]!.artifact.valuesOverwrite = values;
    expect((await deploy('keys', stringify(descriptor))).status).toBe(200);
    const listed = (await (await fetch(`${smo.url}/project/keys/graphs`)).json()) as Array<{ name: string }>;
    expect(listed.map((graph) => graph.name)).toEqual(['keys']);
    // The console's rows come from the graph summaries, kept, ordered and paged by this adapter too. Without
    // transactions a page's summaries are written after its documents: the deploy's answer may come between.
    await smo.runtime.processing.whenIdle();
    const rows = async (query: string) => (await (await fetch(`${smo.url}/ui/data/graphs${query}`)).json()) as { graphs: Array<{ name: string; project: string; servicesByStatus: Record<string, number> }>; next: string | null };
    expect((await rows('')).graphs.map((graph) => `${graph.project}/${graph.name}`)).toEqual([`demo/${GRAPH}`, 'keys/keys']);
    expect(await rows('?limit=1')).toMatchObject({ graphs: [{ name: GRAPH, servicesByStatus: expect.any(Object) }], next: `demo/${GRAPH}` });
    expect(await rows(`?limit=1&after=demo%2F${GRAPH}`)).toMatchObject({ graphs: [{ name: 'keys', servicesByStatus: { Deployed: 1 } }], next: null });
    expect(await failing()).toEqual([]);
  }, 60_000);

  it('answers after a restart over the same database (its indexes exist already)', async () => {
    await smo.close({ keepData: true });
    smo = await startApp(env, { dataDir: smo.dataDir });
    expect((await fetch(`${smo.url}/graphs/${GRAPH}`)).status).toBe(200);
    expect((await fetch(`${smo.url}/graphs/${GRAPH}/stop`, { method: 'POST' })).status).toBe(200);
    const graph = (await (await fetch(`${smo.url}/graphs/${GRAPH}`)).json()) as { status: string };
    expect(graph.status).toBe('Stopped');
    // After a restart the runners start as each takes its lease: one may still be idle (not started) here.
    await eventually(async () => (await failing()).length === 0, 10_000, 'every runner running').catch(() => undefined);
    expect(await failing()).toEqual([]);
  }, 60_000);
});
