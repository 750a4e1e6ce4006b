import { MemoryEventStore } from '../eventstore/memory-event-store';
import { AlertLog, type ReceivedAlert } from './alert-log';

const alert = (over: Partial<ReceivedAlert['data']> = {}, endsAt: string | null = null): ReceivedAlert => ({
  data: { alertName: 'cpu-high', status: 'firing', graphId: 'g', serviceId: 's', eventId: 'cpu-high', fingerprint: 'c0ffee', startsAt: '2026-12-05T23:50:00Z', receiver: 'smo', note: null, ...over },
  endsAt,
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
});
