import { karmadaCluster, type KarmadaClusterInput } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';
import type { GraphView as View } from '../../src/api/graphs/graph-view';

const GRAPH = 'image-detection-graph';
const SERVICES = ['image-compression-vo', 'noise-reduction', 'image-detection'];
const TRUSTED = { 'smo.nephele.eu/trusted': 'true' };

/** The Brussels graph with one graph intent switched on. */
function withGraphIntent(name: 'security' | 'highAvailability' | 'energyEfficiency' | 'highPerformance'): string {
  const text = descriptorText();
  const pattern = new RegExp(`(${name}:\\n\\s+enabled: )False`);
  expect(text).toMatch(pattern);
  return text.replace(pattern, '$1True');
}

/** The Brussels graph with noise-reduction co-located with image-detection. */
function withCoLocation(): string {
  const text = descriptorText();
  const at = text.indexOf('id: noise-reduction');
  const field = text.indexOf('coLocation: []', at);
  return `${text.slice(0, field)}coLocation: [image-detection]${text.slice(field + 'coLocation: []'.length)}`;
}

interface Decision {
  feasible: boolean;
  reason: string;
  moves: number | null;
  placement: Record<string, string> | null;
  clusterSets?: Record<string, string[]>;
  intents?: { active: string[]; decidedBy: string[]; energy?: { withIntent: number; withoutIntent: number | null } };
  explanation?: string[];
}

describe('intents in the lifecycle (fake Karmada, fake helm)', () => {
  let rig: OrchestratorRig;
  afterEach(async () => rig.stop());

  const view = async (): Promise<View> => (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as View;
  const decisions = async (): Promise<Decision[]> => (await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).json()) as Decision[];
  const deploy = async (body: string): Promise<Response> => rig.request('POST', '/project/demo/graphs', { body, contentType: 'application/yaml' });
  const setClusters = async (clusters: KarmadaClusterInput[]): Promise<void> => {
    rig.kube.setClusters(clusters.map((c) => karmadaCluster(c)));
    expect((await rig.request('POST', '/clusters/sync')).status).toBeLessThan(300);
  };
  const cluster = (name: string, extra: Partial<KarmadaClusterInput> = {}): KarmadaClusterInput => ({ name, cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', ...extra });

  it('highAvailability: every service on two clusters; losing one keeps them running, re-placement restores two', async () => {
    rig = await startRig({ clusters: [cluster('c1'), cluster('c2'), cluster('c3')] });
    expect((await deploy(withGraphIntent('highAvailability'))).status).toBe(200);
    const [first] = await decisions();
    expect(first).toMatchObject({ feasible: true, intents: { active: ['highAvailability'] } });
    for (const id of SERVICES) expect(new Set(first!.clusterSets?.[id]).size).toBe(2);
    // Karmada duplicates each release to every cluster in clustersAffinity.
    const installs = rig.helmCalls('install');
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.values).toMatch(/"clustersAffinity":\n\s+- "c\d"\n\s+- "c\d"\n"serviceImportClusters"/);

    const lost = first!.clusterSets!['noise-reduction']![0]!;
    await setClusters(['c1', 'c2', 'c3'].map((name) => cluster(name, name === lost ? { ready: false } : {})));
    const replaced = await eventually(async () => (await decisions()).find((d) => d.reason === 'cluster-lost'), 20_000, 'the re-placement after the loss');
    await rig.idle();
    expect(replaced).toMatchObject({ feasible: true });
    for (const id of SERVICES) {
      const clusters = replaced.clusterSets?.[id] ?? [];
      expect(new Set(clusters).size).toBe(2);
      expect(clusters).not.toContain(lost);
      // The surviving copy stays where it was: one move per service that lost a cluster, no more.
      const survivors = (first!.clusterSets?.[id] ?? []).filter((name) => name !== lost);
      for (const survivor of survivors) expect(clusters).toContain(survivor);
    }
    const after = await view();
    expect(after.placementFailure).toBeNull();
    expect(after.services.filter((s) => s.name !== 'image-compression-vo').every((s) => s.status === 'Deployed')).toBe(true);
  });

  it('security: the graph never lands on an unlabelled cluster, across re-placements; none trusted → 422 naming security', async () => {
    rig = await startRig({ clusters: [cluster('c1'), cluster('c2', { labels: TRUSTED }), cluster('c3', { labels: TRUSTED })] });
    expect((await deploy(withGraphIntent('security'))).status).toBe(200);
    const placement = (await view()).placement!;
    expect(Object.values(placement).every((name) => name !== 'c1')).toBe(true);
    await setClusters([cluster('c1'), cluster('c2', { labels: TRUSTED, ready: false }), cluster('c3', { labels: TRUSTED })]);
    await eventually(async () => (await decisions()).find((d) => d.reason === 'cluster-lost'), 20_000, 'the re-placement');
    await rig.idle();
    expect(Object.values((await view()).placement!).every((name) => name === 'c3')).toBe(true);
    await rig.stop();

    rig = await startRig({ clusters: [cluster('c1'), cluster('c2')] });
    const refused = await deploy(withGraphIntent('security'));
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ detail: expect.stringContaining('smo.nephele.eu/trusted=true'), bindingResource: 'security', requirement: 'security' });
    expect((await view()).placementFailure).toMatchObject({ bindingResource: 'security' });
    expect(rig.helmCalls('install')).toEqual([]);
  });

  it('security with a configured trust label key: the decision and its counterfactual replay read the same key', async () => {
    const custom = { 'example.org/secure': 'true' };
    rig = await startRig({ clusters: [cluster('c1', { labels: TRUSTED }), cluster('c2', { labels: custom })], env: { SMO_TRUSTED_LABEL: 'example.org/secure' } });
    expect((await deploy(withGraphIntent('security'))).status).toBe(200);
    expect(Object.values((await view()).placement!).every((name) => name === 'c2')).toBe(true);
    const replay = await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: JSON.stringify({}), contentType: 'application/json' });
    expect(replay.status).toBe(200);
    const [replayed] = ((await replay.json()) as { decisions: Array<{ replayed: { placement: Record<string, string> | null }; differences: unknown[] }> }).decisions;
    expect(Object.values(replayed?.replayed.placement ?? {})).toEqual(SERVICES.map(() => 'c2'));
    expect(replayed?.differences).toEqual([]);
  });

  it('coLocation holds at first placement and across re-placements', async () => {
    // Small clusters: first fit would split the two services; co-located they need one of the 3-core ones.
    rig = await startRig({ clusters: [cluster('c1', { cpu: '1500m' }), cluster('c2', { cpu: '3' }), cluster('c3', { cpu: '3' })] });
    expect((await deploy(withCoLocation())).status).toBe(200);
    const together = (await view()).placement!;
    expect(together['noise-reduction']).toBe(together['image-detection']);
    const host = together['noise-reduction']!;
    await setClusters(['c1', 'c2', 'c3'].map((name) => cluster(name, { cpu: name === 'c1' ? '1500m' : '3', ...(name === host ? { ready: false } : {}) })));
    const replaced = await eventually(async () => (await decisions()).find((d) => d.reason === 'cluster-lost'), 20_000, 'the re-placement');
    expect(replaced.placement?.['noise-reduction']).toBe(replaced.placement?.['image-detection']);
    expect(replaced.placement?.['noise-reduction']).not.toBe(host);
    expect(replaced.intents?.active).toEqual(['coLocation']);
  });

  it('energyEfficiency: the low-carbon cluster at first placement; a later re-placement adds no move', async () => {
    const carbon = (g: number) => ({ 'smo.nephele.eu/carbon-intensity': String(g) });
    rig = await startRig({ clusters: [cluster('c1', { labels: carbon(700) }), cluster('c2', { labels: carbon(30) })] });
    expect((await deploy(withGraphIntent('energyEfficiency'))).status).toBe(200);
    const [first] = await decisions();
    expect(first?.placement).toEqual({ 'image-compression-vo': 'c2', 'noise-reduction': 'c2', 'image-detection': 'c2' });
    expect(first?.intents).toMatchObject({ active: ['energyEfficiency'], decidedBy: ['energyEfficiency'], energy: { withIntent: 30 } });
    // Without the intent the same engine balances the load over both clusters: part of it on c1.
    expect(first?.intents?.energy?.withoutIntent).toBeGreaterThan(30);
    expect(first?.explanation?.join(' ')).toContain('30 gCO2/kWh');

    // Counterfactual replay with the intent switched off shows what it changed (nothing recorded).
    const replay = await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: JSON.stringify({ intents: { energyEfficiency: false } }), contentType: 'application/json' });
    expect(replay.status).toBe(200);
    const [replayed] = ((await replay.json()) as { decisions: Array<{ recorded: { violations: unknown[] }; replayed: { violations: unknown[]; placement: Record<string, string> }; differences: unknown[] }> }).decisions;
    expect(replayed?.recorded.violations).toEqual([]);
    expect(replayed?.replayed.violations).toEqual([]);
    expect(Object.values(replayed?.replayed.placement ?? {})).toContain('c1');
    expect(replayed?.differences.length).toBeGreaterThan(0);
    const badSwitch = await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: JSON.stringify({ intents: { green: true } }), contentType: 'application/json' });
    expect(badSwitch.status).toBe(400);

    // c1 becomes the cleaner one: the intent alone never moves a running graph.
    await setClusters([cluster('c1', { labels: carbon(10) }), cluster('c2', { labels: carbon(900) })]);
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement`)).status).toBeLessThan(300);
    await rig.idle();
    expect((await view()).placement).toEqual(first?.placement);
    expect(rig.helmCalls('upgrade')).toEqual([]);
  });
});
