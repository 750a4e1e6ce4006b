import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { FakePrometheus, errorReply } from '../fakes/prometheus/fake-prometheus';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { prometheusRigSkipReason, startPrometheusRig, type PrometheusRig } from '../support/prometheus-rig';

/**
 * energyEfficiency with SMO_ENERGY_QUERY: the figure per cluster comes from Prometheus (a real one evaluating the
 * query), before the carbon-intensity label; the decision records the figures it used. A failed query falls back to
 * the labels (fake Prometheus answering an error).
 */
const GRAPH = 'image-detection-graph';
const carbon = (g: number) => ({ 'smo.nephele.eu/carbon-intensity': String(g) });
const clusters = [
  { name: 'c1', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', labels: carbon(700) },
  { name: 'c2', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', labels: carbon(30) },
];
// Per the query c1 is the low-energy cluster (20), the reverse of the labels; c3 has no sample.
const QUERY = 'label_replace(vector(20), "cluster", "c1", "", "") or label_replace(vector(900), "cluster", "c2", "", "")';

interface Decision {
  placement: Record<string, string> | null;
  inputs: { energyFigures?: Record<string, number> };
  intents?: { energy?: { withIntent: number } };
  explanation?: string[];
}

function withEnergyIntent(): string {
  return descriptorText().replace(/(energyEfficiency:\n\s+enabled: )False/, '$1True');
}

async function deployAndDecide(rig: OrchestratorRig): Promise<Decision | undefined> {
  rig.kube.setClusters(clusters.map((c) => karmadaCluster(c)));
  expect((await rig.request('POST', '/clusters/sync')).status).toBeLessThan(300);
  expect((await rig.request('POST', '/project/demo/graphs', { body: withEnergyIntent(), contentType: 'application/yaml' })).status).toBe(200);
  const [decision] = (await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).json()) as Decision[];
  return decision;
}

const skipReason = prometheusRigSkipReason();

describe('SMO_ENERGY_QUERY', () => {
  let rig: OrchestratorRig | undefined;
  afterEach(async () => rig?.stop());

  (skipReason === null ? it : it.skip)('a real Prometheus evaluates the query: its figures decide, before the labels, and are recorded', async () => {
    const prometheus = await startPrometheusRig({ webhookUrl: 'http://127.0.0.1:9/unused' });
    if ('skipped' in prometheus) throw new Error(prometheus.skipped);
    try {
      rig = await startRig({ clusters, env: { PROMETHEUS_HOST: (prometheus as PrometheusRig).prometheusUrl, SMO_ENERGY_QUERY: QUERY } });
      const decision = await deployAndDecide(rig);
      expect(decision?.inputs.energyFigures).toEqual({ c1: 20, c2: 900 });
      expect(Object.values(decision?.placement ?? {})).toEqual(['c1', 'c1', 'c1']);
      expect(decision?.intents?.energy?.withIntent).toBe(20);
      expect(decision?.explanation?.join(' ')).toContain('Energy figures from SMO_ENERGY_QUERY for c1, c2');
      // The replay re-solves from the recorded figures, without asking Prometheus.
      const replay = (await (await rig.request('POST', `/graphs/${GRAPH}/placements/replay`, { body: '{}', contentType: 'application/json' })).json()) as {
        decisions: Array<{ replayed: { placement: Record<string, string> } }>;
      };
      expect(Object.values(replay.decisions[0]?.replayed.placement ?? {})).toEqual(['c1', 'c1', 'c1']);
    } finally {
      await prometheus.stop();
    }
  });

  it('a failed query leaves the carbon-intensity labels in charge, and the decision says so', async () => {
    const prometheus = new FakePrometheus();
    const url = await prometheus.start();
    prometheus.answer(() => errorReply(503, 'unavailable', 'down for maintenance'));
    try {
      rig = await startRig({ clusters, env: { PROMETHEUS_HOST: url, SMO_ENERGY_QUERY: QUERY } });
      const decision = await deployAndDecide(rig);
      expect(decision?.inputs.energyFigures).toBeUndefined();
      expect(Object.values(decision?.placement ?? {})).toEqual(['c2', 'c2', 'c2']);
      expect(decision?.explanation?.join(' ')).toMatch(/Energy figures: energy query failed \(prometheus\): unavailable: down for maintenance; the carbon-intensity labels apply\./);
      expect(prometheus.queries).toContain(QUERY);
    } finally {
      await prometheus.stop();
    }
  });
});

if (skipReason !== null) {
  describe('SMO_ENERGY_QUERY against a real Prometheus', () => {
    it('is skipped: no Prometheus binaries', () => {
      console.log(`Real Prometheus energy test skipped: ${skipReason}`);
      if (process.env.CI === 'true') throw new Error(`CI must run the real Prometheus energy test: ${skipReason}`);
    });
  });
}
