/** The subset of Grafana's dashboard JSON model that SMO publishes (upstream `grafana_template.py`). */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface DatasourceRef {
  type: 'prometheus';
  uid: string;
}

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface PromTarget {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat?: string;
  editorMode?: 'code';
  format?: 'time_series';
  range?: boolean;
  instant?: boolean;
  hide?: boolean;
  intervalFactor?: number;
  step?: number;
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'gauge';
  title: string;
  gridPos: GridPos;
  datasource: DatasourceRef;
  targets: PromTarget[];
  fieldConfig: { defaults: JsonObject; overrides: JsonObject[] };
  options: JsonObject;
  /** Graph dashboards repeat every panel once per selected `$service`. */
  repeat?: string;
  repeatDirection?: 'h' | 'v';
  maxDataPoints?: number;
  /** The Grafana version the panel JSON was exported from; it drives option migrations. */
  pluginVersion?: string;
}

export interface CustomVariable {
  name: string;
  type: 'custom';
  /** Grafana's comma-separated list of values. */
  query: string;
  options: { text: string; value: string; selected: boolean }[];
  current: { text: string; value: string };
  includeAll: boolean;
  multi: boolean;
}

export interface Dashboard {
  editable: true;
  /** null asks Grafana to create (or, with overwrite, replace by uid). */
  id: null;
  uid: string;
  title: string;
  tags: string[];
  timezone: 'browser';
  schemaVersion: number;
  version: number;
  refresh: string;
  panels: Panel[];
  templating?: { list: CustomVariable[] };
  /** Marks on every time axis where a query has values (e.g. placement decisions, deployments). */
  annotations?: { list: Annotation[] };
}

/** A Prometheus-backed annotation: a mark wherever `expr` has a value. */
export interface Annotation {
  name: string;
  datasource: DatasourceRef;
  enable: true;
  iconColor: string;
  expr: string;
  step: string;
  titleFormat: string;
  textFormat: string;
  tagKeys: string;
  useValueForTime: false;
}

/** Body of `POST /api/dashboards/db`. */
export interface DashboardEnvelope {
  dashboard: Dashboard;
  overwrite: true;
}

export interface DashboardOptions {
  /** Uid of the Prometheus datasource in Grafana; upstream hard-codes 'prometheus'. */
  datasourceUid?: string;
}
