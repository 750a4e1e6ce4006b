/**
 * SMO's self-monitoring dashboard, from its domain metrics (README "Domain metrics"): graphs and
 * services by status, placements and their duration, helm operations, alerts, scaling, failures,
 * processor lag; annotations mark placement decisions and deployments. Grafana provisions it from
 * `config/grafana/dashboards/smo.json` (written by `npm run dashboards`; a test keeps it current).
 */
import type { Annotation, DashboardEnvelope, DashboardOptions, DatasourceRef, Panel } from './dashboard.types';
import { CLUSTER_LINES, statOptions, thresholds, timeseriesCustom, timeseriesOptions } from './panel-styles';

export const SMO_DASHBOARD_UID = 'smo-self-monitoring';

export function smoDashboard(options: DashboardOptions & { datasourceUid?: string } = {}): DashboardEnvelope {
  const datasource: DatasourceRef = { type: 'prometheus', uid: options.datasourceUid ?? 'prometheus' };
  let id = 0;
  const panel = (title: string, type: Panel['type'], x: number, y: number, w: number, queries: Array<[legend: string, expr: string]>, unit = 'short'): Panel => ({
    id: ++id,
    type,
    title,
    gridPos: { h: 8, w, x, y },
    datasource,
    targets: queries.map(([legendFormat, expr], i) => ({ refId: String.fromCharCode(65 + i), datasource, expr, legendFormat, editorMode: 'code', range: true, instant: false })),
    fieldConfig: {
      defaults: type === 'timeseries' ? { color: { mode: 'palette-classic' }, custom: timeseriesCustom(CLUSTER_LINES), mappings: [], unit } : { color: { mode: 'thresholds' }, mappings: [], thresholds: thresholds(), unit },
      overrides: [],
    },
    options: type === 'timeseries' ? timeseriesOptions('multi') : statOptions(),
  });
  const annotation = (name: string, iconColor: string, expr: string, titleFormat: string, tagKeys: string): Annotation => ({
    name,
    datasource,
    enable: true,
    iconColor,
    expr,
    step: '1m',
    titleFormat,
    textFormat: '',
    tagKeys,
    useValueForTime: false,
  });
  return {
    dashboard: {
      editable: true,
      id: null,
      uid: SMO_DASHBOARD_UID,
      title: 'SMO',
      tags: ['smo'],
      timezone: 'browser',
      schemaVersion: 40,
      version: 0,
      refresh: '30s',
      panels: [
        panel('Graphs by status', 'stat', 0, 0, 8, [['{{status}}', 'sum by (status) (smo_graphs)']]),
        panel('Services by status', 'stat', 8, 0, 8, [['{{status}}', 'sum by (status) (smo_services)']]),
        panel('Proposals pending', 'stat', 16, 0, 8, [['pending', 'sum(smo_placement_proposals_pending)']]),
        panel('Placements per hour', 'timeseries', 0, 8, 12, [['{{algorithm}} {{reason}} {{outcome}}', 'sum by (algorithm, reason, outcome) (increase(smo_placements_total[1h]))']]),
        panel('Placement duration (p95)', 'timeseries', 12, 8, 12, [['{{algorithm}}', 'histogram_quantile(0.95, sum by (le, algorithm) (rate(smo_placement_duration_seconds_bucket[$__rate_interval])))']], 's'),
        panel('Helm operations per hour', 'timeseries', 0, 16, 12, [['{{action}} {{outcome}}', 'sum by (action, outcome) (increase(smo_helm_operations_total[1h]))']]),
        panel('Helm duration (p95)', 'timeseries', 12, 16, 12, [['{{action}}', 'histogram_quantile(0.95, sum by (le, action) (rate(smo_helm_operation_duration_seconds_bucket[$__rate_interval])))']], 's'),
        panel('Alerts and scaling per hour', 'timeseries', 0, 24, 12, [
          ['alerts {{status}}', 'sum by (status) (increase(smo_alerts_received_total[1h]))'],
          ['alerts triggering', 'sum(increase(smo_alerts_triggering_total[1h]))'],
          ['scaled {{direction}}', 'sum by (direction) (increase(smo_scaling_actions_total[1h]))'],
          ['scaling failed ({{kind}})', 'sum by (kind) (increase(smo_scaling_failures_total[1h]))'],
        ]),
        panel('Failures per hour', 'timeseries', 12, 24, 12, [
          ['helm {{action}} {{outcome}}', 'sum by (action, outcome) (increase(smo_helm_operations_total{outcome!="ok"}[1h]))'],
          ['placement failed', 'sum(increase(smo_placements_total{outcome="failed"}[1h]))'],
          ['dashboards {{action}}', 'sum by (action) (increase(smo_dashboards_failed_total[1h]))'],
        ]),
        panel('Processor lag and parked events', 'timeseries', 0, 32, 24, [
          ['lag {{runner}}', 'max by (runner) (smo_processor_lag_events)'],
          ['parked {{runner}}', 'max by (runner) (smo_processor_parked_events) > 0'],
        ]),
      ],
      annotations: {
        list: [
          annotation('Placement decisions', 'blue', 'sum by (algorithm, reason) (increase(smo_placements_total{outcome="decided"}[1m])) > 0', 'placement: {{reason}} ({{algorithm}})', 'algorithm,reason'),
          annotation('Deployments', 'green', 'sum by (action) (increase(smo_helm_operations_total{action=~"install|upgrade",outcome="ok"}[1m])) > 0', 'helm {{action}}', 'action'),
        ],
      },
    },
    overwrite: true,
  };
}
