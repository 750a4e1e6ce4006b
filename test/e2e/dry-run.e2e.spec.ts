import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { run } from '../../src/cli/main';
import type { DryRunAnswer } from '../../src/api/graphs/dry-run';
import { startApp, type RunningApp } from '../support/app';
import { DurableProcessing } from '../../src/app/processing.composition';
import { submarinerGateway } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';

const DESCRIPTOR = join(__dirname, '../fixtures/descriptors/brussels-demo.upstream.hdag.yaml');
const GRAPH = 'image-detection-graph';

describe('POST /project/{p}/graphs?dryRun=true (server-side dry run)', () => {
  let app: RunningApp;
  const post = (query: string, body: string) =>
    fetch(`${app.url}/project/demo/graphs${query}`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body });

  beforeAll(async () => {
    app = await startApp();
    // The first inventory sync records the clusters; after it, only a deploy would move the head.
    await app.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
    await app.runtime.processing.whenIdle();
  });
  afterAll(async () => app.close());

  it('validates, places on the current inventory, renders the Helm values, and records nothing', async () => {
    const head = await app.runtime.eventStore.headPosition();
    const response = await post('?dryRun=true', readFileSync(DESCRIPTOR, 'utf8').replace(`  id: ${GRAPH}\n`, `  id: ${GRAPH}\n  useStaticPlacment: true\n`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as DryRunAnswer;
    expect(answer).toEqual({
      dryRun: true,
      graph: GRAPH,
      project: 'demo',
      placement: {
        feasible: true,
        algorithm: 'naive',
        placement: { 'image-compression-vo': 'cluster-a', 'noise-reduction': 'cluster-a', 'image-detection': 'cluster-a' },
        inputs: {
          clusters: [
            expect.objectContaining({ name: 'cluster-a', cpu: 4, available: true }),
            expect.objectContaining({ name: 'cluster-b', cpu: 8, available: true }),
          ],
          services: expect.arrayContaining([expect.objectContaining({ id: 'noise-reduction', replicas: 1, memoryBytes: expect.any(Number) })]),
        },
      },
      services: expect.arrayContaining([
        expect.objectContaining({ name: 'noise-reduction', cluster: 'cluster-a', trigger: 'auto', values: expect.objectContaining({ clustersAffinity: ['cluster-a'], serviceImportClusters: ['cluster-a'] }) }),
        expect.objectContaining({ name: 'image-compression-vo', cluster: 'cluster-a', trigger: 'event', values: expect.objectContaining({ voChartOverwrite: expect.objectContaining({ clustersAffinity: ['cluster-a'] }) }) }),
      ]),
      warnings: [expect.objectContaining({ pointer: expect.stringContaining('useStaticPlacment') })],
    });
    // The placement inputs are a valid what-if request as they are.
    const plan = await fetch(`${app.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer.placement.inputs) });
    expect(plan.status).toBe(200);
    expect(((await plan.json()) as { placement: unknown }).placement).toEqual(answer.placement.placement);
    // Nothing was recorded: the event store head did not move and the graph does not exist.
    expect(await app.runtime.eventStore.headPosition()).toBe(head);
    expect((await fetch(`${app.url}/graphs/${GRAPH}`)).status).toBe(404);
  });

  it('places under the graph intents as the first deployment would, on the labelled embedded inventory', async () => {
    const text = readFileSync(DESCRIPTOR, 'utf8');
    const on = (name: string) => text.replace(new RegExp(`(${name}:\\n\\s+enabled: )False`), '$1True');
    // config/simulated-clusters.yaml: cluster-b is trusted and the low-carbon one; first fit alone picks cluster-a.
    for (const intent of ['security', 'energyEfficiency']) {
      const answer = (await (await post('?dryRun=true', on(intent))).json()) as DryRunAnswer;
      expect(answer.placement).toMatchObject({ feasible: true, algorithm: 'milp' });
      expect(new Set(Object.values(answer.placement.placement))).toEqual(new Set(['cluster-b']));
    }
    const ha = (await (await post('?dryRun=true', on('highAvailability'))).json()) as DryRunAnswer;
    expect(ha.placement.clusterSets?.['noise-reduction']?.slice().sort()).toEqual(['cluster-a', 'cluster-b']);
    const values = ha.services.find((service) => service.name === 'noise-reduction')?.values as { clustersAffinity?: string[] };
    expect(values.clustersAffinity?.slice().sort()).toEqual(['cluster-a', 'cluster-b']);
  });

  it('plan requests take memory or memoryBytes, currentPlacement or previousPlacement, never both', async () => {
    const plan = (body: unknown) => fetch(`${app.url}/placement/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const both = await plan({ clusters: [{ name: 'c1', cpu: 4, memory: '1Gi', memoryBytes: 1 }], services: [{ id: 'a', cpu: 1 }], currentPlacement: {}, previousPlacement: {} });
    expect(both.status).toBe(422); // each field is well-formed; together they say the same thing twice
    expect(((await both.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['/clusters/0/memoryBytes', '/previousPlacement']);
    const recorded = await plan({ clusters: [{ name: 'c1', cpu: 4, memoryBytes: 2 ** 30, gpu: 0, available: true }], services: [{ id: 'a', cpu: 1, memoryBytes: 2 ** 31, gpu: false, replicas: 1 }], previousPlacement: null });
    expect(recorded.status).toBe(422); // 2 GiB asked, 1 GiB offered: the bytes were read
  });

  it('refuses a bad dryRun value and an invalid descriptor as a deploy would, recording nothing', async () => {
    const head = await app.runtime.eventStore.headPosition();
    const typo = await post('?dryRun=yes', readFileSync(DESCRIPTOR, 'utf8'));
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ errors: [{ pointer: '/dryRun', message: 'must be true or false' }] });
    const invalid = await post('?dryRun=true', 'hdaGraph: {id: Not_A_Name}');
    expect(invalid.status).toBeGreaterThanOrEqual(400);
    expect(invalid.status).toBeLessThan(500);
    expect(await app.runtime.eventStore.headPosition()).toBe(head);
  });

  it('answers an infeasible placement with the reason and the capacity gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smo-dry-run-'));
    writeFileSync(join(dir, 'clusters.yaml'), 'clusters:\n  - name: tiny\n    cpu: 0.2\n    memory: 8Gi\n');
    const small = await startApp({ SMO_SIMULATED_CLUSTERS: join(dir, 'clusters.yaml') });
    try {
      const response = await fetch(`${small.url}/project/demo/graphs?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: readFileSync(DESCRIPTOR, 'utf8') });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as DryRunAnswer;
      expect(answer.placement).toMatchObject({ feasible: false, algorithm: 'naive', placement: {}, bindingResource: 'cpu', detail: expect.stringMatching(/cannot fit/) });
      expect(answer.services.every((service) => service.cluster === null)).toBe(true);
      // `smo deploy --dry-run` exits 1 then, as `smo plan` does for an infeasible plan, in every format.
      for (const format of ['table', 'json']) {
        const out: string[] = [];
        const err: string[] = [];
        expect(await run(['deploy', DESCRIPTOR, '--dry-run', '-o', format], { SMO_URL: small.url }, (line) => out.push(line), (line) => err.push(line))).toBe(1);
        expect(err.join('\n')).toMatch(new RegExp(`${GRAPH} could not be placed`));
      }
    } finally {
      await small.close();
    }
  });

  it('`smo deploy --dry-run` and `smo plan DESCRIPTOR` show the answer; nothing is recorded', async () => {
    const head = await app.runtime.eventStore.headPosition();
    const out: string[] = [];
    const err: string[] = [];
    const smo = (...argv: string[]) => run(argv, { SMO_URL: app.url }, (line) => out.push(line), (line) => err.push(line));
    expect(await smo('deploy', DESCRIPTOR, '-p', 'demo', '--dry-run')).toBe(0);
    expect(out.join('\n')).toMatch(new RegExp(`^${GRAPH} \\(demo\\): dry run, nothing recorded; would be placed \\(naive\\)\\nSERVICE\\s+CLUSTER\\s+CHART\\n`));
    out.length = 0;
    const typo = join(mkdtempSync(join(tmpdir(), 'smo-dry-run-')), 'typo.yaml');
    writeFileSync(typo, readFileSync(DESCRIPTOR, 'utf8').replace(`  id: ${GRAPH}\n`, `  id: ${GRAPH}\n  useStaticPlacment: true\n`));
    expect(await smo('deploy', typo, '--dry-run')).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^Warning: \/hdaGraph\/useStaticPlacment: /)]);
    out.length = 0;
    expect(await smo('deploy', DESCRIPTOR, '--dry-run', '-o', 'yaml')).toBe(0);
    expect(parse(out.join('\n'))).toMatchObject({ dryRun: true, graph: GRAPH, project: 'default' });
    out.length = 0;
    expect(await smo('plan', DESCRIPTOR)).toBe(0);
    expect(out.join('\n')).toMatch(/SERVICE\s+CLUSTER\n[\s\S]*noise-reduction\s+cluster-a[\s\S]*naive placement of image-detection-graph on the current inventory; nothing recorded/);
    expect(await app.runtime.eventStore.headPosition()).toBe(head);
  });

  it('refuses a clash of release names as the deploy would (409 naming the holder), recording nothing', async () => {
    const deployed = await post('', readFileSync(DESCRIPTOR, 'utf8'));
    expect(deployed.status).toBe(200);
    await app.runtime.processing.whenIdle();
    const head = await app.runtime.eventStore.headPosition();
    const other = readFileSync(DESCRIPTOR, 'utf8').replace(`  id: ${GRAPH}\n`, '  id: other-graph\n');
    const clash = await post('?dryRun=true', other);
    expect(clash.status).toBe(409);
    const problem = (await clash.json()) as { detail: string; conflicts: Array<{ serviceId: string; graphId: string }> };
    expect(problem.detail).toMatch(new RegExp(`^Service \\S+ is already a service of graph ${GRAPH} in project demo; Helm release names must be unique per project$`));
    expect(problem.conflicts.map((c) => `${c.serviceId}@${c.graphId}`).sort()).toEqual(['image-compression-vo', 'image-detection', 'noise-reduction'].map((id) => `${id}@${GRAPH}`));
    // The graph itself, submitted again, holds its own names; another project has names of its own.
    expect((await post('?dryRun=true', readFileSync(DESCRIPTOR, 'utf8'))).status).toBe(200);
    const elsewhere = await fetch(`${app.url}/project/elsewhere/graphs?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: other });
    expect(elsewhere.status).toBe(200);
    expect(await app.runtime.eventStore.headPosition()).toBe(head);
  });
});

describe('dry run while the placement read models are behind', () => {
  it('answers what they hold, with a warning that says so (a preview records nothing, so it is no refusal)', async () => {
    const app = await startApp();
    try {
      await app.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
      await app.runtime.processing.whenIdle();
      await app.runtime.processing.stop();
      // Recorded while nothing folds it into the placement ledger.
      const deploy = await fetch(`${app.url}/project/first/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml', prefer: 'respond-async' }, body: descriptorText() });
      expect(deploy.status).toBe(202);
      const response = await fetch(`${app.url}/project/second/graphs?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText().replaceAll(GRAPH, 'second-graph') });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as DryRunAnswer;
      expect(answer.placement.feasible).toBe(true);
      expect(answer.warnings).toEqual([{ pointer: '', message: expect.stringMatching(/^The clusters read model and the placement-ledger read model have not caught up with what was recorded/) }]);
    } finally {
      await app.close();
    }
  }, 30_000);
});

describe('dry run with Submariner-measured latencies', () => {
  let rig: OrchestratorRig;
  afterAll(async () => rig.stop());

  it('uses the gateways\' round trips as the real placement does: it answers what the deploy then does', async () => {
    // c1 holds the VO and noise-reduction only, so image-detection goes to c2; noise-reduction needs ultralow (< 10 ms) to it.
    const clusters = [
      { name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' },
      { name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' },
    ];
    // The fake Kubernetes API also serves Submariner's Gateway objects: c1 <-> c2 measured at 5 ms.
    rig = await startRig({ clusters, gateways: [submarinerGateway({ clusterId: 'c1', connections: [{ clusterId: 'c2', averageRtt: '5ms' }] })] });
    const text = descriptorText();
    const at = text.indexOf('id: noise-reduction');
    const latencies = text.indexOf('latencies: []', at);
    const body = `${text.slice(0, latencies)}latencies:\n              - connectionPoint: image-detection\n                qos: ultralow${text.slice(latencies + 'latencies: []'.length)}`;
    const dry = await rig.request('POST', '/project/demo/graphs?dryRun=true', { body, contentType: 'application/yaml' });
    expect(dry.status).toBe(200);
    const answer = (await dry.json()) as DryRunAnswer;
    const deployed = await rig.request('POST', '/project/demo/graphs', { body, contentType: 'application/yaml' });
    expect(deployed.status).toBe(200);
    const graph = (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as { placement: Record<string, string> };
    expect(graph.placement).toMatchObject({ 'noise-reduction': 'c1', 'image-detection': 'c2' });
    // Before: the dry run read SMO_CLUSTER_LATENCIES only, so the c1–c2 round trip was unknown and it answered infeasible.
    expect(answer.placement).toMatchObject({ feasible: true, placement: graph.placement });
  });
});
