/**
 * The Alertmanager webhook notification, protocol version "4" (alertmanager 0.25 `notify/webhook`),
 * as SMO reads it; `POST /alerts` validates the body (src/api/alertmanager-webhook.ts).
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
  /** null while firing. */
  endsAt: string | null;
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
    endsAt: alert.endsAt,
  }));
}

/**
 * The longest label value SMO copies into what it records of an alert: far longer than any id a graph, service or event
 * can have (so a longer one routes to nothing either way), and short enough that no alert outgrows one event-store append
 * (a label of a few hundred kB, copied into the record and its note, made the whole notification a 413, which
 * Alertmanager does not retry).
 */
export const MAX_COPIED_LABEL_LENGTH = 1024;

function label(alert: AlertmanagerAlert, name: string): string | null {
  if (!Object.hasOwn(alert.labels, name)) return null;
  const value = alert.labels[name] as string;
  return value.length <= MAX_COPIED_LABEL_LENGTH ? value : `${value.slice(0, MAX_COPIED_LABEL_LENGTH)}… (${value.length - MAX_COPIED_LABEL_LENGTH} more characters)`;
}
