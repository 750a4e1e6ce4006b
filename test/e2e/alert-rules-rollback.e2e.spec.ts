import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeApi, type RunningFakeKubeApi } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const GRAPH = 'image-detection-graph';
const NS = 'monitoring';
const CR = `smo-alerts-${GRAPH}`;

/**
 * An older SMO keeps every rule in the shared PrometheusRule and knows nothing of the graphs' own CRs. Run
 * again after an upgrade moved the rules there (a rollback), it takes a stopped graph's rules out of the
 * shared CR only: the moved copies stay, and keep firing. Upgraded again, SMO takes them away.
 */
describe('alert rules after a rollback to an SMO that keeps them in the shared PrometheusRule', () => {
  const rulesApi = new FakeKubeApi();
  let rules: RunningFakeKubeApi;
  let dataDir: string;
  let rig: OrchestratorRig | null = null;
  beforeAll(async () => {
    rules = await rulesApi.start();
    dataDir = mkdtempSync(join(tmpdir(), 'smo-rules-rollback-'));
  });
  afterAll(async () => {
    if (rig) await stopKeepingData(rig);
    await rules.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const current = { SMO_ALERT_RULES: 'prometheus-rule', PROMETHEUS_RULE_KUBECONFIG: '' };
  const start = async (env: Record<string, string>) => (rig = await startRig({ dataDir, env }));
  const stopKeepingData = async (running: OrchestratorRig) => {
    await running.smo.close({ keepData: true });
    await running.grafana.stop();
    await running.kube.stop();
    rmSync(running.dir, { recursive: true, force: true });
    rig = null;
  };
  const ruleNames = () => ((rulesApi.getPrometheusRule(NS, CR)?.spec as { groups?: Array<{ rules: Array<{ alert: string }> }> } | undefined)?.groups ?? []).flatMap((g) => g.rules.map((r) => r.alert));

  it("takes away, at start, the rules of a graph the older SMO stopped: they stayed in the graph's CR", async () => {
    current.PROMETHEUS_RULE_KUBECONFIG = rules.kubeconfigPath;
    const upgraded = await start(current);
    expect((await upgraded.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    await eventually(async () => ruleNames().length > 0, 20_000, "the VO's rule in the graph's CR");
    await stopKeepingData(upgraded);

    // The older SMO: its rules are elsewhere (in this emulation, in memory); it stops the graph and takes them away there.
    const older = await start({ SMO_ALERT_RULES: 'memory' });
    expect((await older.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
    await older.idle();
    expect(ruleNames()).not.toEqual([]); // the copy it does not know of
    await stopKeepingData(older);

    const again = await start(current);
    await eventually(async () => rulesApi.getPrometheusRule(NS, CR) === undefined, 15_000, "the stopped graph's CR taken away");
    // A running graph keeps its rules: started again, its VO's rule is written, and stays after another start.
    expect((await again.request('POST', `/graphs/${GRAPH}/start`)).status).toBe(200);
    await eventually(async () => ruleNames().length > 0, 20_000, "the VO's rule written again");
    const written = ruleNames();
    await stopKeepingData(again);
    const listed = () => rulesApi.requests.filter((r) => r.method === 'GET' && r.path === `/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules`).length;
    const listedBefore = listed();
    await start(current);
    await eventually(async () => listed() > listedBefore, 15_000, 'the rules listed at start');
    await rig!.idle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ruleNames()).toEqual(written);
  }, 120_000);
});
