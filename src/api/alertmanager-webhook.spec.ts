import { smoAlertsOf, type AlertmanagerWebhook } from '../integrations/prometheus/alertmanager-webhook';
import { parseAlertmanagerWebhook } from './alertmanager-webhook';

/** As Alertmanager 0.25 posts it. */
function payload() {
  return {
    receiver: 'smo',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'smo_g__s__e', event: 'e', graph: 'g', service: 's', severity: 'critical' },
        annotations: { description: 'load', summary: 'load' },
        startsAt: '2026-11-26T10:19:21.887654321Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=vector%281%29&g0.tab=1',
        fingerprint: 'c0ffee0123456789',
      },
      {
        status: 'resolved',
        labels: { alertname: 'KubePodCrashLooping', namespace: 'x' },
        annotations: {},
        startsAt: '2026-11-26T10:00:00Z',
        endsAt: '2026-11-26T10:05:00.5+01:00',
        generatorURL: '',
        fingerprint: '0123456789abcdef',
      },
    ],
    groupLabels: { alertname: 'smo_g__s__e' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{alertname="smo_g__s__e"}',
    truncatedAlerts: 0,
  };
}

function parsed(body: unknown): AlertmanagerWebhook {
  const result = parseAlertmanagerWebhook(body);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.webhook;
}

describe('parseAlertmanagerWebhook', () => {
  it('reads a version 4 payload; a firing alert has no end', () => {
    const webhook = parsed(payload());
    expect(webhook).toMatchObject({ version: '4', receiver: 'smo', status: 'firing', groupKey: '{}:{alertname="smo_g__s__e"}', truncatedAlerts: 0 });
    expect(webhook.alerts[0]).toEqual({ ...payload().alerts[0], endsAt: null });
    expect(webhook.alerts[1]?.endsAt).toBe('2026-11-26T10:05:00.5+01:00');
  });

  it('ignores unknown fields and defaults the optional ones', () => {
    const { alerts, groupLabels: _g, commonLabels: _c, commonAnnotations: _a, externalURL: _e, truncatedAlerts: _t, ...rest } = payload();
    const minimal = { ...rest, futureField: { x: 1 }, alerts: [{ status: 'firing', labels: { alertname: 'x' }, startsAt: '2026-01-01T00:00:00Z', fingerprint: 'f', extra: 1 }] };
    expect(parsed(minimal)).toMatchObject({
      truncatedAlerts: 0,
      groupLabels: {},
      externalURL: '',
      alerts: [{ status: 'firing', labels: { alertname: 'x' }, annotations: {}, endsAt: null, generatorURL: '', fingerprint: 'f' }],
    });
    expect(alerts).toHaveLength(2);
  });

  // Over HTTP the JSON parser refuses such a body first (prototype poisoning: 400).
  it('never lets a label named __proto__ become a prototype', () => {
    const body = JSON.parse(JSON.stringify(payload()).replace('"namespace":"x"', '"__proto__":{"polluted":"yes"}')) as unknown;
    const labels = parsed(body).alerts[1]!.labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect((labels as Record<string, unknown>).polluted).toBeUndefined();
    expect(labels.alertname).toBe('KubePodCrashLooping');
  });

  it('reports every problem with a JSON pointer', () => {
    const body = payload() as Record<string, unknown>;
    body.version = '3';
    body.status = 'ok';
    body.receiver = 7;
    body.truncatedAlerts = -1;
    body.alerts = [
      { ...payload().alerts[0], status: 'pending', labels: { alertname: 'a', graph: 1 }, startsAt: 'yesterday', endsAt: 5 },
      'not an alert',
    ];
    const result = parseAlertmanagerWebhook(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.pointer)).toEqual([
      '/version',
      '/truncatedAlerts',
      '/status',
      '/receiver',
      '/alerts/0/status',
      '/alerts/0/labels/graph',
      '/alerts/0/startsAt',
      '/alerts/0/endsAt',
      '/alerts/1',
    ]);
  });

  it.each([
    ['null', null],
    ['a list', []],
    ['a string', '{"version":"4"}'],
  ])('refuses %s as the body', (_case, body) => {
    expect(parseAlertmanagerWebhook(body)).toEqual({ ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] });
  });

  it('refuses a body without alerts', () => {
    const { alerts: _alerts, ...body } = payload();
    expect(parseAlertmanagerWebhook(body)).toEqual({ ok: false, problems: [{ pointer: '/alerts', message: 'is required' }] });
  });
});

describe('smoAlertsOf', () => {
  it('routes SMO’s alerts and keeps null for labels other alerts lack', () => {
    expect(smoAlertsOf(parsed(payload()))).toEqual([
      { alertname: 'smo_g__s__e', graph: 'g', service: 's', event: 'e', status: 'firing', fingerprint: 'c0ffee0123456789', startsAt: '2026-11-26T10:19:21.887654321Z', endsAt: null },
      { alertname: 'KubePodCrashLooping', graph: null, service: null, event: null, status: 'resolved', fingerprint: '0123456789abcdef', startsAt: '2026-11-26T10:00:00Z', endsAt: '2026-11-26T10:05:00.5+01:00' },
    ]);
  });
});
