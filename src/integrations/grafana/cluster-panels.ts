/**
 * The nine per-cluster panels (upstream `create_panels_cluster`): node_exporter and cAdvisor
 * series that member clusters remote-write with the label `source="<cluster>"`.
 */
import type { DatasourceRef, GridPos, JsonObject, Panel, PromTarget } from './dashboard.types';
import {
  CLUSTER_LINES,
  NO_DATA_AS_NA,
  gaugeOptions,
  statOptions,
  thresholds,
  timeseriesCustom,
  timeseriesOptions,
  trafficLight,
} from './panel-styles';

/** The Grafana version the upstream panels were exported from; it drives option migrations. */
const PLUGIN_VERSION = '10.4.0';

type Query = Omit<PromTarget, 'datasource'>;

export function clusterPanels(cluster: string, datasource: DatasourceRef): Panel[] {
  const source = `source="${cluster}"`;
  const memory = (field: string) => `node_memory_${field}_bytes{${source}}`;
  // Seconds spent in `mode` per second, divided by the number of CPUs: a 0–1 share, stacked.
  const cpuShare = (refId: string, legendFormat: string, mode: string): Query => ({
    refId,
    legendFormat,
    expr: `sum(irate(node_cpu_seconds_total{${source}, ${mode}}[5m])) / scalar(count(count(node_cpu_seconds_total{${source}}) by (cpu)))`,
    editorMode: 'code',
    hide: false,
    instant: false,
    range: true,
  });
  // Upstream keyed "Busy Other" on instance= (so it never matched); every query here uses source=.
  const busyOther = cpuShare('E', 'Busy Other', `mode!~"idle|user|system|iowait|irq|softirq"`);
  const memoryUsed = `${memory('MemTotal')} - ${memory('MemFree')} - ${memory('Buffers')} - ${memory('Cached')}`;
  const filesystem = (metric: string) => `sum(node_filesystem_${metric}_bytes{device!="rootfs",${source}})`;
  const network = (direction: string) => `rate(node_network_${direction}_bytes_total{${source},device!~"lo"}[5m])`;
  // node_exporter's block-device counters (upstream read node_nfsd_*, the NFS server's, empty on most nodes).
  const diskRate = (metric: string) => `sum by (instance) (rate(${metric}{${source}, device!~"ram.*|loop.*"}[2m]))`;
  const ts = (step: number, intervalFactor: number): Partial<Query> => ({ format: 'time_series', step, intervalFactor });

  const panel = (id: number, gridPos: GridPos, title: string, type: Panel['type'], targets: Query[], look: Look): Panel => ({
    id, type, title, gridPos, datasource,
    targets: targets.map((query) => ({ ...query, datasource })),
    fieldConfig: { defaults: look.defaults, overrides: look.overrides ?? [] },
    options: look.options,
    ...(type === 'timeseries' ? {} : { maxDataPoints: 100 }),
    pluginVersion: PLUGIN_VERSION,
  });

  return [
    panel(3, grid(14, 0, 0), 'CPU usage', 'timeseries', [
      { ...cpuShare('A', 'Busy System', 'mode="system"'), ...ts(50, 10) },
      cpuShare('B', 'Busy user', 'mode="user"'),
      cpuShare('C', 'Busy Iowait', 'mode="iowait"'),
      cpuShare('D', 'Busy IRQs', 'mode=~".*irq"'),
      busyOther,
      cpuShare('F', 'Idle', 'mode="idle"'),
    ], lines({ stacking: 'normal', axisLabel: 'cpu usage' }, { max: 1, min: 0, thresholds: thresholds(80), unit: 'percentunit' })),
    panel(12, grid(4, 14, 0), 'CPU cores', 'stat', [
      { refId: 'A', expr: `machine_cpu_cores{${source}}`, legendFormat: '__auto', editorMode: 'code', hide: false, range: true, ...ts(60, 2) },
    ], { defaults: { color: { mode: 'thresholds' }, mappings: [], thresholds: thresholds(80) }, options: statOptions() }),
    panel(11, grid(6, 18, 0), 'CPU busy', 'gauge', [
      { refId: 'A', expr: `100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle", ${source}}[1m])))`, editorMode: 'code', range: true, ...ts(60, 2) },
    ], gauge({ max: 100, min: 0, thresholds: trafficLight(80, 90), unit: 'percent' }, 'mean')),
    panel(4, grid(18, 0, 7), 'Memory Usage', 'timeseries', [
      { refId: 'C', expr: memoryUsed, legendFormat: 'memory used', hide: false, ...ts(10, 2) },
      { refId: 'E', expr: memory('Buffers'), legendFormat: 'memory buffers', ...ts(10, 2) },
      { refId: 'F', expr: memory('Cached'), legendFormat: 'memory cached', ...ts(10, 2) },
      { refId: 'D', expr: memory('MemFree'), legendFormat: 'memory free', ...ts(10, 2) },
    ], lines({ stacking: 'normal' }, { min: 0, thresholds: thresholds(80), unit: 'bytes' })),
    panel(5, grid(6, 18, 7), 'Memory Usage', 'gauge', [
      {
        refId: 'A',
        expr:
          `((${memory('MemTotal')} - ${memory('MemFree')}  - ${memory('Buffers')} - ${memory('Cached')}) / ${memory('MemTotal')}) * 100`,
        ...ts(60, 2),
      },
    ], gauge({ max: 100, min: 0, thresholds: trafficLight(80, 90), unit: 'percent' }, 'mean')),
    panel(6, grid(18, 0, 14), 'Disk I/O', 'timeseries', [
      { refId: 'A', expr: diskRate('node_disk_read_bytes_total'), legendFormat: 'read', hide: false, ...ts(20, 4) },
      { refId: 'B', expr: diskRate('node_disk_written_bytes_total'), legendFormat: 'written', ...ts(20, 4) },
      { refId: 'C', expr: diskRate('node_disk_io_time_seconds_total'), legendFormat: 'io time', ...ts(20, 4) },
    ], {
      // Bytes per second; io time is seconds busy per second, a share of time.
      ...lines({}, { thresholds: thresholds(80), unit: 'Bps' }),
      overrides: [{ matcher: { id: 'byName', options: 'io time' }, properties: [{ id: 'unit', value: 'percentunit' }] }],
    }),
    panel(7, grid(6, 18, 14), 'Disk Space Usage', 'gauge', [
      { refId: 'A', expr: `(${filesystem('size')} - ${filesystem('free')}) / ${filesystem('size')}`, ...ts(60, 2) },
    ], gauge({ max: 1, min: 0, thresholds: trafficLight(0.75, 0.9), unit: 'percentunit' }, 'lastNotNull')),
    panel(8, grid(12, 0, 21), 'Network Received', 'timeseries', [
      { refId: 'A', expr: network('receive'), legendFormat: '{{device}}', hide: false, ...ts(10, 2) },
    ], lines({}, { thresholds: thresholds(80), unit: 'Bps' })),
    panel(10, grid(12, 12, 21), 'Network Transmitted', 'timeseries', [
      { refId: 'B', expr: network('transmit'), legendFormat: '{{device}}', hide: false, ...ts(10, 2) },
    ], lines({}, { thresholds: thresholds(80), unit: 'Bps' })),
  ];
}

interface Look {
  defaults: JsonObject;
  overrides?: JsonObject[];
  options: JsonObject;
}

/** Every cluster panel is 7 rows high. */
function grid(w: number, x: number, y: number): GridPos {
  return { h: 7, w, x, y };
}

function lines(style: { stacking?: 'normal'; axisLabel?: string }, defaults: JsonObject): Look {
  return {
    defaults: {
      color: { mode: 'palette-classic' },
      custom: timeseriesCustom({ ...CLUSTER_LINES, ...style }),
      mappings: [],
      ...defaults,
    },
    options: timeseriesOptions('multi'),
  };
}

function gauge(defaults: JsonObject, calc: 'mean' | 'lastNotNull'): Look {
  return { defaults: { color: { mode: 'thresholds' }, mappings: NO_DATA_AS_NA, ...defaults }, options: gaugeOptions(calc) };
}
