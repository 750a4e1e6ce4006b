import type { Problem } from '../../shared/problem-details';
import { isRecord } from '../../shared/is-record';
import { escapePointerToken } from '../../shared/json-pointer';

/**
 * The Alertmanager webhook body, protocol version "4" (alertmanager 0.25
 * `notify/webhook`). Parsing is pure: `POST /alerts` answers 400 with the problems. Fields
 * Alertmanager always sends and SMO relies on are required; the rest default; unknown fields
 * are ignored (a later Alertmanager may add some).
 */

export type AlertStatus = 'firing' | 'resolved';

export interface AlertmanagerAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339, as sent (nanosecond precision). */
  startsAt: string;
  /** null while firing (Alertmanager sends Go's zero time "0001-01-01T00:00:00Z"). */
  endsAt: string | null;
  generatorURL: string;
  /** Stable per label set: identifies the alert across repeated notifications. */
  fingerprint: string;
}

export interface AlertmanagerWebhook {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export type WebhookParse = { ok: true; webhook: AlertmanagerWebhook } | { ok: false; problems: Problem[] };

/** What SMO needs of one alert; labels set by `smoAlertRule`, null on alerts SMO did not create. */
export interface SmoAlert {
  alertname: string | null;
  graph: string | null;
  service: string | null;
  /** The descriptor event id. */
  event: string | null;
  status: AlertStatus;
  fingerprint: string;
  startsAt: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const GO_ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;

export function parseAlertmanagerWebhook(body: unknown): WebhookParse {
  const problems: Problem[] = [];
  const reader = new FieldReader(problems);
  if (!isRecord(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };

  if (body.version !== '4') problems.push({ pointer: '/version', message: `must be "4" (Alertmanager webhook protocol), got ${JSON.stringify(body.version)}` });
  const webhook = {
    version: '4' as const,
    groupKey: reader.string(body, 'groupKey', ''),
    truncatedAlerts: reader.count(body, 'truncatedAlerts', ''),
    status: reader.status(body, ''),
    receiver: reader.string(body, 'receiver', ''),
    groupLabels: reader.stringMap(body, 'groupLabels', '', 'optional'),
    commonLabels: reader.stringMap(body, 'commonLabels', '', 'optional'),
    commonAnnotations: reader.stringMap(body, 'commonAnnotations', '', 'optional'),
    externalURL: reader.string(body, 'externalURL', '', 'optional'),
    alerts: [] as AlertmanagerAlert[],
  };
  if (!Array.isArray(body.alerts)) problems.push({ pointer: '/alerts', message: 'must be a list of alerts' });
  else webhook.alerts = body.alerts.map((alert: unknown, index) => readAlert(alert, `/alerts/${index}`, reader, problems));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, webhook };
}

/** One entry per alert, for routing back to the graph, service and event whose rule fired. */
export function smoAlertsOf(webhook: AlertmanagerWebhook): SmoAlert[] {
  return webhook.alerts.map((alert) => ({
    alertname: label(alert, 'alertname'),
    graph: label(alert, 'graph'),
    service: label(alert, 'service'),
    event: label(alert, 'event'),
    status: alert.status,
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
  }));
}

function label(alert: AlertmanagerAlert, name: string): string | null {
  return Object.hasOwn(alert.labels, name) ? (alert.labels[name] as string) : null;
}

function readAlert(alert: unknown, at: string, reader: FieldReader, problems: Problem[]): AlertmanagerAlert {
  if (!isRecord(alert)) {
    problems.push({ pointer: at, message: 'must be an object' });
    alert = {};
  }
  const fields = alert as Record<string, unknown>;
  const read = {
    status: reader.status(fields, at),
    labels: reader.stringMap(fields, 'labels', at, 'required'),
    annotations: reader.stringMap(fields, 'annotations', at, 'optional'),
    startsAt: reader.time(fields, 'startsAt', at, 'required'),
    endsAt: reader.time(fields, 'endsAt', at, 'optional'),
    generatorURL: reader.string(fields, 'generatorURL', at, 'optional'),
    fingerprint: reader.string(fields, 'fingerprint', at),
  };
  return { ...read, endsAt: read.endsAt === '' || GO_ZERO_TIME.test(read.endsAt) ? null : read.endsAt };
}

/** Reads one field, recording a problem (and answering a placeholder) when it is wrong. */
class FieldReader {
  constructor(private readonly problems: Problem[]) {}

  string(object: Record<string, unknown>, key: string, at: string, presence: 'required' | 'optional' = 'required'): string {
    const value = object[key];
    if (value === undefined && presence === 'optional') return '';
    if (typeof value === 'string' && (presence === 'optional' || value !== '')) return value;
    return this.problem(at, key, 'must be a non-empty string', '');
  }

  count(object: Record<string, unknown>, key: string, at: string): number {
    const value = object[key];
    if (value === undefined) return 0;
    if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
    return this.problem(at, key, 'must be a whole number ≥ 0', 0);
  }

  status(object: Record<string, unknown>, at: string): AlertStatus {
    const value = object.status;
    if (value === 'firing' || value === 'resolved') return value;
    return this.problem(at, 'status', `must be "firing" or "resolved", got ${JSON.stringify(value)}`, 'firing');
  }

  time(object: Record<string, unknown>, key: string, at: string, presence: 'required' | 'optional'): string {
    const value = object[key];
    if (value === undefined && presence === 'optional') return '';
    if (typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))) return value;
    return this.problem(at, key, 'must be an RFC 3339 time such as "2025-01-31T12:00:00Z"', '');
  }

  stringMap(object: Record<string, unknown>, key: string, at: string, presence: 'required' | 'optional'): Record<string, string> {
    const value = object[key];
    if (value === undefined && presence === 'optional') return {};
    if (!isRecord(value)) return this.problem(at, key, 'must be an object of strings', {});
    const entries = Object.entries(value).filter(([name, item]) => {
      if (typeof item !== 'string') this.problems.push({ pointer: `${at}/${key}/${escapePointerToken(name)}`, message: 'must be a string' });
      return typeof item === 'string';
    });
    // fromEntries keeps a label named "__proto__" as an own field; assignment would not.
    return Object.fromEntries(entries) as Record<string, string>;
  }

  private problem<T>(at: string, key: string, message: string, placeholder: T): T {
    this.problems.push({ pointer: `${at}/${key}`, message });
    return placeholder;
  }
}
