import type { RecordedEvent } from '../../src/eventstore/event-store';
import type { AlertFired } from '../../src/domain/alert/events';
import { ALERT_LABELS_KEPT, alertsByRuleProjection, type AlertsByRule } from './alerts-by-rule.projection';

const fired = (position: number, graphId: string | null, serviceId: string | null = null): RecordedEvent => {
  const data: AlertFired['data'] = { alertName: 'cpu-high', status: 'firing', graphId, serviceId, eventId: null, fingerprint: null, startsAt: null, receiver: null, note: null };
  return { id: `e${position}`, streamId: 'alerts', revision: position, position, type: 'AlertFired', data, metadata: {}, created: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString() };
};

describe('analytics-alerts-by-rule', () => {
  const fold = (events: RecordedEvent[]) => events.reduce<AlertsByRule | null>((doc, event) => alertsByRuleProjection.evolve(doc, event, 'cpu-high'), null);

  it('counts every alert, and keeps the latest distinct graph and service labels only: a rule with ever-new labels stays one bounded document', () => {
    const events = Array.from({ length: 250 }, (_, i) => fired(i, `graph-${i}`, `service-${i % 120}`));
    const doc = fold(events)!;
    expect(doc.firing).toBe(250);
    expect(doc.graphs).toHaveLength(ALERT_LABELS_KEPT);
    expect(doc.graphs[0]).toBe(`graph-${250 - ALERT_LABELS_KEPT}`);
    expect(doc.graphs.at(-1)).toBe('graph-249');
    expect(doc.services).toHaveLength(ALERT_LABELS_KEPT);
  });

  it('moves a label seen again to the end instead of adding it twice; an alert without labels adds none', () => {
    const doc = fold([fired(0, 'a'), fired(1, 'b'), fired(2, 'a'), fired(3, null)])!;
    expect(doc.graphs).toEqual(['b', 'a']);
    expect(doc.services).toEqual([]);
    expect(doc.firing).toBe(4);
  });
});
