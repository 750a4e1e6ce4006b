import fc from 'fast-check';
import { ALERT_NAME_PATTERN, alertRuleName, MAX_ALERT_NAME_LENGTH } from './alert-rule-name';
import { smoAlertRule } from './smo-alert-rule';

describe('alertRuleName', () => {
  it('is readable for DNS-label graph and service ids and plain event ids', () => {
    expect(alertRuleName('brussels-demo', 'noise-reduction', 'main-event')).toBe('smo_brussels_demo__noise_reduction__main_event');
    expect(alertRuleName('g1', 'svc', 'HighLoad')).toBe('smo_g1__svc__HighLoad');
  });

  it('differs per graph and per service for the same event id (B19)', () => {
    const names = new Set([
      alertRuleName('graph-a', 'svc', 'main-event'),
      alertRuleName('graph-b', 'svc', 'main-event'),
      alertRuleName('graph-a', 'other', 'main-event'),
    ]);
    expect(names.size).toBe(3);
  });

  it('keeps apart triples a plain "-" → "_" mapping would merge', () => {
    expect(alertRuleName('a--b', 'c', 'e')).not.toBe(alertRuleName('a', 'b--c', 'e'));
    expect(alertRuleName('g', 's', 'main-event')).not.toBe(alertRuleName('g', 's', 'main_event'));
    expect(alertRuleName('g', 's', 'main_event')).toMatch(/^smo_g__s__main_event___[0-9a-f]{12}$/);
  });

  it('shortens long names with a hash, keeping a readable prefix', () => {
    const name = alertRuleName('g'.repeat(63), 's'.repeat(53), 'e'.repeat(63));
    expect(name.length).toBe(MAX_ALERT_NAME_LENGTH);
    expect(name.startsWith('smo_ggg')).toBe(true);
    expect(name).not.toBe(alertRuleName('g'.repeat(63), 's'.repeat(53), `${'e'.repeat(62)}f`));
  });

  it('is always a valid Prometheus alert name of bounded length, and deterministic', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (graph, service, event) => {
        const name = alertRuleName(graph, service, event);
        expect(name).toMatch(ALERT_NAME_PATTERN);
        expect(name.length).toBeLessThanOrEqual(MAX_ALERT_NAME_LENGTH);
        expect(alertRuleName(graph, service, event)).toBe(name);
      }),
    );
  });

  it('gives distinct names to distinct triples', () => {
    const part = fc.oneof(fc.stringMatching(/^[a-z0-9-]{0,12}$/), fc.stringMatching(/^[A-Za-z0-9_.:-]{0,8}$/), fc.string({ maxLength: 70 }));
    fc.assert(
      fc.property(fc.tuple(part, part, part), fc.tuple(part, part, part), (a, b) => {
        fc.pre(a.join('\u0000') !== b.join('\u0000'));
        expect(alertRuleName(...a)).not.toBe(alertRuleName(...b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('smoAlertRule', () => {
  it('is upstream create_alert plus the labels that route the alert back', () => {
    const rule = smoAlertRule({
      graphId: 'brussels',
      serviceId: 'image-detection',
      eventId: 'main-event',
      promQuery: 'absent(up{job="x"})',
      gracePeriod: '2m',
      description: 'x is down',
    });
    expect(rule).toEqual({
      name: 'smo_brussels__image_detection__main_event',
      expr: 'absent(up{job="x"})',
      for: '2m',
      labels: { severity: 'critical', graph: 'brussels', service: 'image-detection', event: 'main-event' },
      annotations: { description: 'x is down', summary: 'x is down' },
    });
  });
});
