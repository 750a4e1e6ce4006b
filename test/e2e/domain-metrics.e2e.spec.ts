/**
 * Domain metrics (README "Domain metrics") over a scripted history: a deploy with one failed install and one refused
 * dashboard, a retry, a scale-up after a failed scale call, an alert that triggers the Pending service, a manual
 * re-placement, a proposal and a stop. Each documented metric moves as the history says; placement decisions and
 * helm outcomes are logged at info (failures at warn); a W3C traceparent becomes the correlation id.
 */
import { Writable } from 'node:stream';
import { FakePrometheus, vectorReply } from '../fakes/prometheus/fake-prometheus';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { createLogger } from '../../src/observability/logger';
import { descriptorText } from '../support/graph-fixtures';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';

const GRAPH = 'image-detection-graph';

/** `name{a="b",…} value` lines of a Prometheus text exposition, keyed by series (labels sorted). */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = (match[2] ?? '').match(/[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"/g) ?? [];
    series.set(`${match[1]}{${labels.sort().join(',')}}`, Number(match[3]));
  }
  return series;
}

describe('domain metrics over a scripted deploy/scale/alert/fail history', () => {
  let rig: OrchestratorRig;
  let prometheus: FakePrometheus;
  const rate = { noise: 0 };
  const logLines: string[] = [];
  const scrape = async () => parseExposition(await (await rig.request('GET', '/metrics')).text());
  const value = (metrics: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
    metrics.get(`${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`) ?? 0;

  beforeAll(async () => {
    prometheus = new FakePrometheus();
    const url = await prometheus.start();
    prometheus.answer((query) => vectorReply(query.includes('noise-reduction') && rate.noise > 0 ? [{ labels: { service: 'noise-reduction' }, value: String(rate.noise) }] : []));
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    rig = await startRig({ env: { SCALING_ENABLED: 'true', SCALING_INTERVAL: '1', PROMETHEUS_HOST: url }, logger: createLogger({ level: 'info', destination }) });
  }, 60_000);
  afterAll(async () => {
    await rig.stop();
    await prometheus.stop();
  });

  it('each metric moves as the history says', async () => {
    // The cluster dashboards are published at start-up; the refused one below is the graph's.
    await eventually(async () => rig.grafana.dashboards().size === 2, 10_000, 'the cluster dashboards');
    await rig.idle();
    const before = await scrape();
    const delta = async (name: string, labels: Record<string, string> = {}) => value(await scrape(), name, labels) - value(before, name, labels);

    // Deploy: image-detection's install fails once, Grafana refuses the first dashboard.
    rig.helm.control({ fail: [{ command: 'install', release: 'image-detection', times: 1, exitCode: 1, stderr: 'Error: chart not found' }] });
    rig.grafana.failNext(500, 1);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const deploy = await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(deploy.status).toBe(200);
    expect(deploy.headers.get('x-correlation-id')).toBe(traceId);
    expect(((await (await rig.request('GET', `/events?correlationId=${traceId}`)).json()) as Array<{ type: string }>).map((e) => e.type)).toContain('GraphSubmitted');
    await rig.idle();
    expect(await delta('smo_placements_total', { algorithm: 'naive', reason: 'first-deploy', outcome: 'decided' })).toBe(1);
    expect(await delta('smo_placement_duration_seconds_count', { algorithm: 'naive' })).toBe(1);
    expect(await delta('smo_helm_operations_total', { action: 'install', outcome: 'ok' })).toBe(1);
    expect(await delta('smo_helm_operations_total', { action: 'install', outcome: 'failed' })).toBe(1);
    expect(await delta('smo_helm_operation_duration_seconds_count', { action: 'install', outcome: 'failed' })).toBe(1);
    await eventually(async () => (await delta('smo_dashboards_failed_total', { action: 'publish' })) >= 1, 10_000, 'the refused dashboard');
    let now = await scrape();
    expect(value(now, 'smo_graphs', { status: 'Failed' }) + value(now, 'smo_graphs', { status: 'Running' })).toBe(1);
    expect(value(now, 'smo_services', { status: 'Failed' })).toBe(1);
    expect(value(now, 'smo_services', { status: 'Pending' })).toBe(1);

    // Retry: the failed install succeeds.
    expect((await rig.request('POST', `/graphs/${GRAPH}/retry`)).status).toBe(200);
    await rig.idle();
    expect(await delta('smo_helm_operations_total', { action: 'install', outcome: 'ok' })).toBe(2);
    now = await scrape();
    expect(value(now, 'smo_services', { status: 'Deployed' })).toBe(2);
    expect(value(now, 'smo_services', { status: 'Failed' })).toBe(0);

    // Scale: the first scale call fails, the next round scales up.
    for (const name of ['noise-reduction', 'image-detection']) rig.kube.setDeployment({ name, namespace: 'demo', replicas: 1, cpuLimit: '1' });
    rig.kube.failNext('/apis/apps/v1/namespaces/demo/deployments/noise-reduction/scale', 500, 1, 'PATCH');
    rate.noise = 0.5;
    await eventually(async () => (await delta('smo_scaling_actions_total', { direction: 'up' })) >= 1, 20_000, 'a scale-up');
    rate.noise = 0;
    expect(await delta('smo_scaling_failures_total', { kind: 'call' })).toBe(1);

    // An alert triggers the Pending virtual object.
    const alert = {
      receiver: 'r', status: 'firing', version: '4', groupKey: '{}', truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
      alerts: [{ status: 'firing', labels: { alertname: 'main-event', service: 'image-compression-vo' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f' }],
    };
    expect((await rig.request('POST', '/alerts', { body: JSON.stringify(alert), contentType: 'application/json' })).status).toBe(200);
    await eventually(async () => rig.helm.installs('image-compression-vo').length === 1, 20_000, 'the VO install');
    await rig.idle();
    expect(await delta('smo_alerts_received_total', { status: 'firing' })).toBe(1);
    expect(await delta('smo_alerts_triggering_total')).toBe(1);
    expect(await delta('smo_helm_operations_total', { action: 'install', outcome: 'ok' })).toBe(3);

    // A manual re-placement on a shrunken c1 moves services; a proposal waits for approval.
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '1', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement`)).status).toBe(200);
    await rig.idle();
    expect(await delta('smo_placements_total', { algorithm: 'milp', reason: 'manual', outcome: 'decided' })).toBe(1);
    expect(await delta('smo_placement_moves_total', { reason: 'manual' })).toBeGreaterThanOrEqual(1);
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '1', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement?mode=propose`)).status).toBe(201);
    await rig.idle();
    expect(await delta('smo_placements_total', { algorithm: 'milp', reason: 'manual', outcome: 'proposed' })).toBe(1);
    expect(value(await scrape(), 'smo_placement_proposals_pending')).toBe(1);

    // Stop: three uninstalls; the graph is Stopped.
    expect((await rig.request('POST', `/graphs/${GRAPH}/stop`)).status).toBe(200);
    await rig.idle();
    expect(await delta('smo_helm_operations_total', { action: 'uninstall', outcome: 'ok' })).toBe(3);
    expect(value(await scrape(), 'smo_graphs', { status: 'Stopped' })).toBe(1);

    // Log lines: placement decisions and helm outcomes at info, the failure at warn with its reason.
    const logs = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; graph?: string; algorithm?: string; service?: string });
    expect(logs).toContainEqual(expect.objectContaining({ level: 30, msg: 'placement decided', graph: GRAPH, algorithm: 'naive' }));
    expect(logs).toContainEqual(expect.objectContaining({ level: 30, msg: 'helm install succeeded', service: 'noise-reduction' }));
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'helm install failed: Error: chart not found', service: 'image-detection' }));
  }, 120_000);
});
