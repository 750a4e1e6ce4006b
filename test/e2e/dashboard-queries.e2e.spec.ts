/**
 * Every PromQL expression SMO's dashboards carry (graph, service, cluster and self-monitoring dashboards,
 * panels and annotations) is accepted by a real Prometheus: `GET /api/v1/query` on its empty TSDB answers
 * 400 `bad_data` to a query that does not parse. Grafana's variables are substituted as Grafana would.
 */
import { readFileSync } from 'node:fs';
import { clusterDashboard, graphDashboard, serviceDashboard } from '../../src/integrations/grafana/dashboards';
import { smoDashboard } from '../../src/integrations/grafana/smo-dashboard';
import type { DashboardEnvelope } from '../../src/integrations/grafana/dashboard.types';
import { SMO_DASHBOARD_FILE, smoDashboardFile } from '../../scripts/write-smo-dashboard';
import { prometheusRigSkipReason, startPrometheusRig, type PrometheusRig } from '../support/prometheus-rig';

const DASHBOARDS: Record<string, DashboardEnvelope> = {
  graph: graphDashboard('image-detection-graph', ['noise-reduction', 'image-detection']),
  graphOfProject: graphDashboard('image-detection-graph', ['noise-reduction', 'image-detection'], {}, 'demo'),
  service: serviceDashboard('noise-reduction'),
  serviceOfProject: serviceDashboard('noise-reduction', {}, 'demo'),
  cluster: clusterDashboard('cluster-a'),
  smo: smoDashboard(),
};

/** Every expression of a dashboard with Grafana's variables replaced: `$service` by a selected value, `$__rate_interval` by a duration. */
function expressions(envelope: DashboardEnvelope): string[] {
  const { panels, annotations } = envelope.dashboard;
  return [...panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...(annotations?.list ?? []).map((annotation) => annotation.expr)].map((expr) =>
    expr.replaceAll('$service', 'noise-reduction').replaceAll('$__rate_interval', '1m'),
  );
}

describe('generated dashboards', () => {
  it('use today’s cAdvisor labels, node_exporter disk metrics, one cluster label, and repeat only on an existing variable', () => {
    const all = Object.values(DASHBOARDS).flatMap(expressions);
    expect(all.filter((expr) => /pod_name|container_name|node_nfsd_|instance="/.test(expr))).toEqual([]);
    expect(expressions(DASHBOARDS.cluster!).every((expr) => expr.includes('source="cluster-a"'))).toBe(true);
    for (const envelope of Object.values(DASHBOARDS)) {
      const variables = (envelope.dashboard.templating?.list ?? []).map((variable) => variable.name);
      for (const panel of envelope.dashboard.panels) if (panel.repeat) expect(variables).toContain(panel.repeat);
    }
    expect(DASHBOARDS.service!.dashboard.panels.some((panel) => panel.repeat)).toBe(false);
    // A project's dashboards read its namespace only: a service id is unique only within a project.
    for (const name of ['graphOfProject', 'serviceOfProject']) expect(expressions(DASHBOARDS[name]!).every((expr) => expr.includes('namespace="demo"'))).toBe(true);
    expect(DASHBOARDS.serviceOfProject!.dashboard).toMatchObject({ uid: 'demo_noise-reduction', title: 'noise-reduction (demo)' });
    expect(DASHBOARDS.smo!.dashboard.annotations?.list.map((a) => a.name)).toEqual(['Placement decisions', 'Deployments']);
  });

  it('the provisioned self-monitoring dashboard is the generated one (npm run dashboards)', () => {
    expect(readFileSync(SMO_DASHBOARD_FILE, 'utf8')).toBe(smoDashboardFile());
  });
});

const skipReason = prometheusRigSkipReason();
if (skipReason !== null) {
  describe('dashboard queries against a real Prometheus', () => {
    it('is skipped: no Prometheus binary (CI installs it)', () => {
      console.log(`Dashboard query test skipped: ${skipReason}`);
      if (process.env.CI === 'true') throw new Error(`CI must run the dashboard query test: ${skipReason}`);
    });
  });
} else {
  describe('dashboard queries against a real Prometheus', () => {
    let rig: PrometheusRig;
    beforeAll(async () => {
      const started = await startPrometheusRig({ webhookUrl: 'http://127.0.0.1:9/alerts' });
      if ('skipped' in started) throw new Error(started.skipped);
      rig = started;
    }, 60_000);
    afterAll(async () => rig?.stop());

    it('a query that does not parse is refused (the check can fail)', async () => {
      const response = await fetch(`${rig.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m])')}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    });

    it.each(Object.keys(DASHBOARDS))('every expression of the %s dashboard is accepted', async (name) => {
      const refused: Array<{ expr: string; error: string }> = [];
      const exprs = expressions(DASHBOARDS[name]!);
      expect(exprs.length).toBeGreaterThan(0);
      for (const expr of exprs) {
        const response = await fetch(`${rig.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await response.json()) as { status: string; error?: string };
        if (response.status !== 200 || body.status !== 'success') refused.push({ expr, error: body.error ?? String(response.status) });
      }
      expect(refused).toEqual([]);
    });
  });
}
