import { clusterDashboard, dashboardUid, graphDashboard, serviceDashboard, type DashboardEnvelope } from './dashboards';
import type { Panel } from './dashboard.types';

const exprs = (panel: Panel) => panel.targets.map((target) => target.expr);
const layout = (envelope: DashboardEnvelope) => envelope.dashboard.panels.map(({ id, type, title, gridPos }) => ({ id, type, title, gridPos }));
const datasourceUids = (envelope: DashboardEnvelope) =>
  new Set(envelope.dashboard.panels.flatMap((panel) => [panel.datasource, ...panel.targets.map((target) => target.datasource)]).map((ref) => `${ref.type}/${ref.uid}`));

/** The service PromQL (upstream grafana_template.create_panels_service on today's `pod`/`container` labels), spelled out for `svc`. */
const servicePromQl = (svc: string) => [
  `sum(kube_deployment_status_replicas_ready{deployment="${svc}"}) OR on() vector(0)`,
  `round(100 * sum(rate(container_cpu_usage_seconds_total{pod=~"${svc}.*",container=~"${svc}.*"}[40s])) by (pod, container) / sum(kube_pod_container_resource_limits{pod=~"${svc}.*",resource="cpu"}) by (pod, container))`,
  `sum by (pod) (container_memory_working_set_bytes{pod=~"${svc}.*", container!=""}) and on() (sum(kube_deployment_status_replicas_ready{deployment="${svc}"})) >= 1`,
  `sum by (container) (increase(container_cpu_cfs_throttled_periods_total{pod=~"${svc}.*", container!=""}[40s])) / sum by (container)(increase(container_cpu_cfs_periods_total{pod=~"${svc}.*", container!=""}[40s]))`,
];

/** Panels must tile a 24-column grid without overlapping. */
function overlaps(panels: Panel[]): string[] {
  const found: string[] = [];
  panels.forEach((a, i) =>
    panels.slice(i + 1).forEach((b) => {
      const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
        a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      if (!apart) found.push(`${a.id}/${b.id}`);
    }),
  );
  return found.concat(panels.filter((p) => p.gridPos.x + p.gridPos.w > 24).map((p) => `${p.id} too wide`));
}

describe('serviceDashboard', () => {
  const envelope = serviceDashboard('frontend');

  it('wraps the panels in upstream envelope, with uid and title = the service id', () => {
    const { panels, ...dashboard } = envelope.dashboard;
    expect(envelope.overwrite).toBe(true);
    expect(dashboard).toStrictEqual({
      editable: true, id: null, uid: 'frontend', title: 'frontend', tags: [], timezone: 'browser', schemaVersion: 40, version: 0, refresh: '5s',
    });
    expect(panels).toHaveLength(4);
  });

  it('has pods, CPU, RAM and throttling timeseries stacked full width, 8 rows each', () => {
    expect(layout(envelope)).toEqual([
      { id: 2, type: 'timeseries', title: 'frontend pods', gridPos: { h: 8, w: 24, x: 0, y: 0 } },
      { id: 11, type: 'timeseries', title: 'frontend CPU utilization', gridPos: { h: 8, w: 24, x: 0, y: 8 } },
      { id: 10, type: 'timeseries', title: 'frontend RAM usage', gridPos: { h: 8, w: 24, x: 0, y: 16 } },
      { id: 5, type: 'timeseries', title: 'frontend throttling', gridPos: { h: 8, w: 24, x: 0, y: 24 } },
    ]);
  });

  it('queries Prometheus with upstream PromQL', () => {
    expect(envelope.dashboard.panels.flatMap(exprs)).toEqual(servicePromQl('frontend'));
  });

  it('shows CPU in percent on a soft 0–100 axis with a red threshold at 80, and RAM in bytes', () => {
    const [, cpu, ram] = envelope.dashboard.panels;
    expect(cpu?.fieldConfig.defaults).toMatchObject({
      unit: 'percent',
      custom: { axisSoftMin: 0, axisSoftMax: 100 },
      thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 80 }] },
    });
    expect(ram?.fieldConfig.defaults.unit).toBe('decbytes');
  });

  it('uses the datasource uid "prometheus" unless configured', () => {
    expect(datasourceUids(envelope)).toEqual(new Set(['prometheus/prometheus']));
    expect(datasourceUids(serviceDashboard('frontend', { datasourceUid: 'thanos' }))).toEqual(new Set(['prometheus/thanos']));
  });
});

describe('graphDashboard', () => {
  const envelope = graphDashboard('image-detection', ['frontend', 'detector', 'store']);

  it('has uid and title = the graph id', () => {
    expect(envelope.dashboard).toMatchObject({ uid: 'image-detection', title: 'image-detection' });
  });

  it('writes the service panels against $service and repeats each per selected service', () => {
    expect(envelope.dashboard.panels.map((panel) => panel.title)).toEqual(['$service pods', '$service CPU utilization', '$service RAM usage', '$service throttling']);
    expect(envelope.dashboard.panels.flatMap(exprs)).toEqual(servicePromQl('$service'));
    expect(envelope.dashboard.panels.every((panel) => panel.repeat === 'service' && panel.repeatDirection === 'h')).toBe(true);
  });

  it('declares a multi-value "service" variable listing the graph services, the first selected', () => {
    expect(envelope.dashboard.templating).toStrictEqual({
      list: [
        {
          name: 'service',
          type: 'custom',
          query: 'frontend, detector, store',
          options: [
            { text: 'frontend', value: 'frontend', selected: true },
            { text: 'detector', value: 'detector', selected: false },
            { text: 'store', value: 'store', selected: false },
          ],
          current: { text: 'frontend', value: 'frontend' },
          includeAll: true,
          multi: true,
        },
      ],
    });
  });

  it('builds a graph without services (upstream crashes) with nothing selected', () => {
    expect(graphDashboard('empty', []).dashboard.templating?.list[0]).toMatchObject({ query: '', options: [], current: { text: '', value: '' } });
  });
});

describe('clusterDashboard', () => {
  const envelope = clusterDashboard('edge-1');
  const x = 'source="edge-1"';

  it("has title = the cluster name, a uid no graph's or service's dashboard has, and nine panels laid out as upstream", () => {
    expect(envelope.dashboard).toMatchObject({ uid: 'cluster__edge-1', title: 'edge-1' });
    expect(envelope.dashboard.uid).not.toBe(graphDashboard('edge-1', []).dashboard.uid);
    expect(envelope.dashboard.uid).not.toBe(serviceDashboard('edge-1', {}, 'cluster').dashboard.uid);
    expect(layout(envelope)).toEqual([
      { id: 3, type: 'timeseries', title: 'CPU usage', gridPos: { h: 7, w: 14, x: 0, y: 0 } },
      { id: 12, type: 'stat', title: 'CPU cores', gridPos: { h: 7, w: 4, x: 14, y: 0 } },
      { id: 11, type: 'gauge', title: 'CPU busy', gridPos: { h: 7, w: 6, x: 18, y: 0 } },
      { id: 4, type: 'timeseries', title: 'Memory Usage', gridPos: { h: 7, w: 18, x: 0, y: 7 } },
      { id: 5, type: 'gauge', title: 'Memory Usage', gridPos: { h: 7, w: 6, x: 18, y: 7 } },
      { id: 6, type: 'timeseries', title: 'Disk I/O', gridPos: { h: 7, w: 18, x: 0, y: 14 } },
      { id: 7, type: 'gauge', title: 'Disk Space Usage', gridPos: { h: 7, w: 6, x: 18, y: 14 } },
      { id: 8, type: 'timeseries', title: 'Network Received', gridPos: { h: 7, w: 12, x: 0, y: 21 } },
      { id: 10, type: 'timeseries', title: 'Network Transmitted', gridPos: { h: 7, w: 12, x: 12, y: 21 } },
    ]);
  });

  it('stacks the CPU mode shares in percentunit with upstream PromQL (Busy Other on source=, unlike upstream)', () => {
    const cpu = envelope.dashboard.panels[0]!;
    const share = (mode: string) => `sum(irate(node_cpu_seconds_total{${x}, ${mode}}[5m])) / scalar(count(count(node_cpu_seconds_total{${x}}) by (cpu)))`;
    expect(cpu.targets.map(({ refId, legendFormat, expr }) => [refId, legendFormat, expr])).toEqual([
      ['A', 'Busy System', share('mode="system"')],
      ['B', 'Busy user', share('mode="user"')],
      ['C', 'Busy Iowait', share('mode="iowait"')],
      ['D', 'Busy IRQs', share('mode=~".*irq"')],
      ['E', 'Busy Other', share('mode!~"idle|user|system|iowait|irq|softirq"')],
      ['F', 'Idle', share('mode="idle"')],
    ]);
    expect(cpu.fieldConfig.defaults).toMatchObject({ unit: 'percentunit', min: 0, max: 1, custom: { stacking: { group: 'A', mode: 'normal' } } });
  });

  it('queries cores, busy CPU, memory, disk and network with upstream PromQL', () => {
    const mem = (field: string) => `node_memory_${field}_bytes{${x}}`;
    const fs = (metric: string) => `sum(node_filesystem_${metric}_bytes{device!="rootfs",${x}})`;
    expect(envelope.dashboard.panels.slice(1).map(exprs)).toEqual([
      [`machine_cpu_cores{${x}}`],
      [`100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle", ${x}}[1m])))`],
      [`${mem('MemTotal')} - ${mem('MemFree')} - ${mem('Buffers')} - ${mem('Cached')}`, mem('Buffers'), mem('Cached'), mem('MemFree')],
      [`((${mem('MemTotal')} - ${mem('MemFree')}  - ${mem('Buffers')} - ${mem('Cached')}) / ${mem('MemTotal')}) * 100`],
      [
        `sum by (instance) (rate(node_disk_read_bytes_total{${x}, device!~"ram.*|loop.*"}[2m]))`,
        `sum by (instance) (rate(node_disk_written_bytes_total{${x}, device!~"ram.*|loop.*"}[2m]))`,
        `sum by (instance) (rate(node_disk_io_time_seconds_total{${x}, device!~"ram.*|loop.*"}[2m]))`,
      ],
      [`(${fs('size')} - ${fs('free')}) / ${fs('size')}`],
      [`rate(node_network_receive_bytes_total{${x},device!~"lo"}[5m])`],
      [`rate(node_network_transmit_bytes_total{${x},device!~"lo"}[5m])`],
    ]);
  });

  it('labels network series by device and memory series by kind', () => {
    const [, , , memory, , , , received, transmitted] = envelope.dashboard.panels;
    expect(memory?.targets.map((target) => target.legendFormat)).toEqual(['memory used', 'memory buffers', 'memory cached', 'memory free']);
    expect([received, transmitted].map((panel) => panel?.targets[0]?.legendFormat)).toEqual(['{{device}}', '{{device}}']);
  });
});

describe('every dashboard', () => {
  const all = [serviceDashboard('frontend'), graphDashboard('g', ['a', 'b']), clusterDashboard('edge-1')];

  it.each(all.map((envelope) => [envelope.dashboard.uid, envelope]))('%s tiles the 24-column grid without overlaps', (_uid, envelope) => {
    expect(overlaps(envelope.dashboard.panels)).toEqual([]);
  });

  it.each(all.map((envelope) => [envelope.dashboard.uid, envelope]))('%s is plain JSON (no undefined members)', (_uid, envelope) => {
    expect(JSON.parse(JSON.stringify(envelope))).toStrictEqual(envelope);
  });
});

describe('dashboardUid (B28: Grafana refuses uids over 40 characters)', () => {
  const name40 = 'a'.repeat(40);
  const long = 'image-detection-pipeline-with-a-very-long-name'; // 46 characters

  it('keeps a name Grafana accepts, so upstream dashboard links stay valid', () => {
    expect(dashboardUid('frontend')).toBe('frontend');
    expect(dashboardUid(name40)).toBe(name40);
  });

  it('shortens a longer name to its first 31 characters, "-" and 8 hex characters of its sha256', () => {
    const uid = dashboardUid(long);
    expect(uid).toHaveLength(40);
    expect(uid).toMatch(/^image-detection-pipeline-with-a-[0-9a-f]{8}$/);
    expect(dashboardUid(long)).toBe(uid);
    expect(dashboardUid(`${long}-2`)).not.toBe(uid);
    expect(dashboardUid(`${name40}b`)).not.toBe(dashboardUid(`${name40}c`));
  });

  it('also hashes names with characters Grafana refuses (a cluster named like a host)', () => {
    expect(dashboardUid('edge.example.org')).toMatch(/^edge-example-org-[0-9a-f]{8}$/);
    expect(dashboardUid('edge.example.org')).not.toBe(dashboardUid('edge-example-org'));
  });

  it('is what every builder uses, while the title keeps the full name', () => {
    for (const envelope of [graphDashboard(long, ['a']), serviceDashboard(long)]) {
      expect(envelope.dashboard).toMatchObject({ uid: dashboardUid(long), title: long });
    }
    expect(clusterDashboard(long).dashboard).toMatchObject({ uid: dashboardUid(`cluster__${long}`), title: long });
  });
});
