import { MemoryEventStore } from '../eventstore/memory-event-store';
import { AlertLog, alertEventId, type ReceivedAlert } from './alert-log';

const alert = (over: Partial<ReceivedAlert['data']> = {}, endsAt: string | null = null, submission: number | null = 0): ReceivedAlert => ({
  data: { alertName: 'cpu-high', status: 'firing', graphId: 'g', serviceId: 's', eventId: 'cpu-high', fingerprint: 'c0ffee', startsAt: '2026-12-05T23:50:00Z', receiver: 'smo', note: null, ...over },
  endsAt,
  submission,
});
const context = (now: string) => ({ correlationId: 'c', actor: 'alertmanager', now: new Date(now) });

describe('AlertLog', () => {
  it('records an alert still firing across midnight (UTC) once: Alertmanager repeats it unchanged the next day', async () => {
    const store = new MemoryEventStore();
    const log = new AlertLog(store);
    await log.record([alert()], context('2026-12-05T23:55:00Z'));
    await log.record([alert()], context('2026-12-06T00:05:00Z'));
    expect(await store.readAll({ filter: { eventTypes: ['AlertFired'] } })).toHaveLength(1);
    // Its resolution, and an alert that starts the next day, are new.
    await log.record([alert({ status: 'resolved' }, '2026-12-06T00:10:00Z'), alert({ fingerprint: 'f2', startsAt: '2026-12-06T00:09:00Z' })], context('2026-12-06T00:10:00Z'));
    const recorded = await store.readAll({ filter: { eventTypes: ['AlertFired'] } });
    expect(recorded.map((event) => [(event.data as ReceivedAlert['data']).fingerprint, (event.data as ReceivedAlert['data']).status])).toEqual([
      ['c0ffee', 'firing'],
      ['c0ffee', 'resolved'],
      ['f2', 'firing'],
    ]);
  });

  it('records a repeat once per submission of its graph; for the first, under the id it had before submissions counted', async () => {
    // The id SMO gave this alert before the submission was part of it: a repeat of an alert recorded then still appends nothing.
    expect(alertEventId(alert())).toBe('f998889c-6d00-5290-91c8-c39d37e3dbb1');
    const store = new MemoryEventStore();
    const log = new AlertLog(store);
    const now = context('2026-12-06T00:00:00Z');
    await log.record([alert()], now);
    await log.record([alert()], now);
    // The graph removed and submitted again (its GraphSubmitted at revision 12): the same delivery is new to it, once.
    await log.record([alert({}, null, 12)], now);
    await log.record([alert({}, null, 12)], now);
    expect(await store.readAll({ filter: { eventTypes: ['AlertFired'] } })).toHaveLength(2);
  });

  it('records an alert routed to no graph (its graph not submitted yet) apart: its repeat once the graph is submitted is recorded too', async () => {
    const store = new MemoryEventStore();
    const log = new AlertLog(store);
    const now = context('2026-12-06T00:00:00Z');
    await log.record([alert({ note: 'no graph g; recorded only' }, null, null)], now);
    await log.record([alert({ note: 'no graph g; recorded only' }, null, null)], now);
    await log.record([alert()], now);
    expect((await store.readAll({ filter: { eventTypes: ['AlertFired'] } })).map((event) => (event.data as ReceivedAlert['data']).note)).toEqual(['no graph g; recorded only', null]);
  });

  it("records a notification of more alerts than one append of the store holds, each once (Alertmanager does not retry a 4xx)", async () => {
    const store = new MemoryEventStore({ maxAppendSize: 64 * 1024 });
    const log = new AlertLog(store);
    const alerts = Array.from({ length: 1_000 }, (_, i) => alert({ fingerprint: `f${i}` }));
    await log.record(alerts, context('2026-12-06T00:00:00Z'));
    expect(await store.readAll({ filter: { eventTypes: ['AlertFired'] } })).toHaveLength(1_000);
    // Delivered again with one more: the new one is recorded, the others not twice.
    await log.record([...alerts, alert({ fingerprint: 'f-new' })], context('2026-12-06T00:01:00Z'));
    expect(await store.readAll({ filter: { eventTypes: ['AlertFired'] } })).toHaveLength(1_001);
  });
});
