/**
 * The Alertmanager webhook body, protocol version "4" (alertmanager 0.25 `notify/webhook`), validated
 * and documented by these classes: `POST /alerts` answers 400 naming each bad field. Fields
 * Alertmanager always sends and SMO relies on are required; the rest default; unknown fields are
 * dropped (a later Alertmanager may add some).
 */
import type { AlertmanagerAlert, AlertmanagerWebhook, AlertStatus } from '../integrations/prometheus/alertmanager-webhook';
import type { Problem } from './problem';
import { CustomField, EnumField, IntegerField, NestedField, StringField, StringMapField, type FieldOptions } from './validation/fields';
import { ApiSchema } from '@nestjs/swagger';
import { checkBody } from './validation/request-body';

const STATUSES: readonly AlertStatus[] = ['firing', 'resolved'];
/** RFC 3339 date-time, and a date Date.parse reads. */
const RFC3339 = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;
const GO_ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;
const MAX_ALERTS = 10_000;

const TimeField = (options: FieldOptions) =>
  CustomField({
    ...options,
    schema: { type: 'string', pattern: RFC3339.source },
    valid: (value) => typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
    message: 'must be an RFC 3339 time such as "2025-01-31T12:00:00Z"',
  });

@ApiSchema({ name: 'AlertmanagerAlert', description: 'One alert of the notification' })
export class AlertmanagerAlertBody {
  @EnumField({ description: 'firing or resolved', example: 'firing', values: STATUSES })
  status!: AlertStatus;

  @StringMapField({ description: "the alert's labels; SMO's rules carry `graph`, `service` and `event`", example: { alertname: 'main-event', service: 'image-compression-vo' } })
  labels!: Record<string, string>;

  @StringMapField({ description: 'annotations', example: { summary: 'High vo-metric' }, optional: true })
  annotations?: Record<string, string>;

  @TimeField({ description: 'when it started (RFC 3339)', example: '2025-05-02T09:12:44Z' })
  startsAt!: string;

  @TimeField({ description: 'when it ended; Go\'s zero time "0001-01-01T00:00:00Z" while firing', example: '0001-01-01T00:00:00Z', optional: true })
  endsAt?: string;

  @StringField({ description: 'the Prometheus graph link', example: 'http://prometheus/graph', optional: true })
  generatorURL?: string;

  @StringField({ description: 'stable per label set: identifies the alert across notifications', example: 'c0ffee', nonEmpty: true })
  fingerprint!: string;
}

@ApiSchema({ name: 'AlertmanagerWebhook', description: 'An Alertmanager notification (webhook protocol version 4); unknown fields are ignored' })
export class AlertmanagerWebhookBody {
  @EnumField({ description: 'the webhook protocol version', example: '4', values: ['4'] })
  version!: '4';

  @StringField({ description: "the notification group's key", example: '{}:{}', nonEmpty: true })
  groupKey!: string;

  @IntegerField({ description: 'alerts left out of this notification (max_alerts)', example: 0, optional: true, minimum: 0, maximum: Number.MAX_SAFE_INTEGER, message: 'must be a whole number ≥ 0' })
  truncatedAlerts?: number;

  @EnumField({ description: 'firing when any alert of the group fires', example: 'firing', values: STATUSES })
  status!: AlertStatus;

  @StringField({ description: 'the Alertmanager receiver', example: 'webhook-receiver', nonEmpty: true })
  receiver!: string;

  @StringMapField({ description: 'the labels the group is formed by', example: {}, optional: true })
  groupLabels?: Record<string, string>;

  @StringMapField({ description: 'labels every alert has', example: {}, optional: true })
  commonLabels?: Record<string, string>;

  @StringMapField({ description: 'annotations every alert has', example: {}, optional: true })
  commonAnnotations?: Record<string, string>;

  @StringField({ description: "the Alertmanager's URL", example: 'http://alertmanager:9093', optional: true })
  externalURL?: string;

  @NestedField({ description: 'the alerts', type: () => AlertmanagerAlertBody, maxItems: MAX_ALERTS })
  alerts!: AlertmanagerAlertBody[];
}

export type WebhookParse = { ok: true; webhook: AlertmanagerWebhook } | { ok: false; problems: Problem[] };

/** Checks the body; on success, the webhook with its defaults (and a firing alert's zero end time as null). */
export function parseAlertmanagerWebhook(body: unknown): WebhookParse {
  const checked = checkBody(AlertmanagerWebhookBody, body, { unknownFields: 'ignore' });
  if (!checked.ok) return checked;
  const { value } = checked;
  return {
    ok: true,
    webhook: {
      version: '4',
      groupKey: value.groupKey,
      truncatedAlerts: value.truncatedAlerts ?? 0,
      status: value.status,
      receiver: value.receiver,
      groupLabels: value.groupLabels ?? {},
      commonLabels: value.commonLabels ?? {},
      commonAnnotations: value.commonAnnotations ?? {},
      externalURL: value.externalURL ?? '',
      alerts: value.alerts.map(
        (alert): AlertmanagerAlert => ({
          status: alert.status,
          labels: alert.labels,
          annotations: alert.annotations ?? {},
          startsAt: alert.startsAt,
          endsAt: alert.endsAt === undefined || GO_ZERO_TIME.test(alert.endsAt) ? null : alert.endsAt,
          generatorURL: alert.generatorURL ?? '',
          fingerprint: alert.fingerprint,
        }),
      ),
    },
  };
}
