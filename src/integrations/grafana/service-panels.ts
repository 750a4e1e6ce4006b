/**
 * The four per-service panels (upstream `create_panels_service`), on today's cAdvisor and
 * kube-state-metrics labels (`pod`, `container`; upstream's `pod_name`/`container_name` are gone
 * since Kubernetes 1.16). `service` is a service id, or `$service` on a graph dashboard, where
 * Grafana repeats each panel per selected service (a panel repeats only where that variable exists).
 */
import type { DatasourceRef, JsonObject, Panel } from './dashboard.types';
import { SERVICE_LINES, thresholds, timeseriesCustom, timeseriesOptions } from './panel-styles';

/** The graph dashboard's variable; its panels are written against `$service`. */
export const SERVICE_VARIABLE = 'service';

/** `namespace`: the project the service runs in (absent: upstream's queries, every namespace's pods of that name). */
export function servicePanels(service: string, datasource: DatasourceRef, namespace?: string): Panel[] {
  const inNamespace = namespace === undefined ? '' : `namespace="${namespace}",`;
  const pods = `${inNamespace}pod=~"${service}.*"`;
  const readyReplicas = `sum(kube_deployment_status_replicas_ready{${inNamespace}deployment="${service}"})`;
  return [
    servicePanel(2, 0, `${service} pods`, datasource, `${readyReplicas} OR on() vector(0)`, { thresholds: thresholds() }),
    servicePanel(
      11,
      8,
      `${service} CPU utilization`,
      datasource,
      `round(100 * sum(rate(container_cpu_usage_seconds_total{${pods},container=~"${service}.*"}[40s])) by (pod, container)` +
        ` / sum(kube_pod_container_resource_limits{${pods},resource="cpu"}) by (pod, container))`,
      { thresholds: thresholds(80), unit: 'percent' },
      { min: 0, max: 100 },
    ),
    servicePanel(
      10,
      16,
      `${service} RAM usage`,
      datasource,
      // The working set is what the kubelet evicts on (and `kubectl top` shows); container!="" drops the pod-level sum.
      `sum by (pod) (container_memory_working_set_bytes{${pods}, container!=""}) and on() (${readyReplicas}) >= 1`,
      { thresholds: thresholds(80), unit: 'decbytes' },
    ),
    servicePanel(
      5,
      24,
      `${service} throttling`,
      datasource,
      `sum by (container) (increase(container_cpu_cfs_throttled_periods_total{${pods}, container!=""}[40s]))` +
        ` / sum by (container)(increase(container_cpu_cfs_periods_total{${pods}, container!=""}[40s]))`,
      { thresholds: thresholds(80) },
    ),
  ];
}

/** A full-width, 8-high timeseries at row `y` with one PromQL query. */
function servicePanel(
  id: number,
  y: number,
  title: string,
  datasource: DatasourceRef,
  expr: string,
  defaults: JsonObject,
  axisSoft?: { min: number; max: number },
): Panel {
  return {
    id,
    type: 'timeseries',
    title,
    gridPos: { h: 8, w: 24, x: 0, y },
    datasource,
    targets: [{ refId: 'A', datasource, editorMode: 'code', expr, instant: false, range: true }],
    fieldConfig: {
      defaults: {
        color: { mode: 'palette-classic' },
        custom: timeseriesCustom({ ...SERVICE_LINES, axisSoft }),
        mappings: [],
        ...defaults,
      },
      overrides: [],
    },
    options: timeseriesOptions('single'),
    ...(expr.includes(`$${SERVICE_VARIABLE}`) ? { repeat: SERVICE_VARIABLE, repeatDirection: 'h' as const } : {}),
  };
}
