import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent } from '../eventstore/event-store';
import { sqliteProcessing } from '../../test/support/processing-rig';
import { silentLogger } from '../../test/support/stores';
import { EVENT_PARKED, PARKED_EVENT_RESOLVED, PARKED_EVENT_RETRY_FAILED } from './parking';
import type { Processor } from './processor';
import { ProcessingHost, UnknownProcessorError } from './processing-host';
import { UnknownParkedEventError } from './processor-runner';
import { NotLeaseHolderError } from './runner';

const happened = (n: number): NewEvent => ({ id: randomUUID(), type: 'Happened', data: { n }, metadata: { correlationId: `c${n}` } });

/** A processor whose handler fails on the events of `broken` while it is set (an outage), and records what it handled. */
function flakyProcessor(name = 'flaky') {
  const handled: number[] = [];
  const state = { broken: new Set<number>() };
  const processor: Processor = {
    name,
    filter: { eventTypes: ['Happened'] },
    handle: async (event: RecordedEvent) => {
      const { n } = event.data as { n: number };
      if (state.broken.has(n)) throw new Error(`outage while handling ${n}`);
      handled.push(n);
    },
  };
  return { processor, handled, state };
}

describe('parked events of a processor', () => {
  const rig = sqliteProcessing({ leaseTtlMs: 300 });

  it('are counted durably (after a restart too), listed, re-handled once the fault is gone, and then resolved', async () => {
    const first = flakyProcessor();
    first.state.broken.add(1);
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const before = rig.host().addProcessor(first.processor);
    before.start();
    await before.whenIdle();
    expect(first.handled).toEqual([2]);
    await before.stop();

    // A restarted instance (its in-memory count starts at 0) still reports the unresolved parked event.
    const again = flakyProcessor();
    again.state.broken.add(1);
    const after = rig.host().addProcessor(again.processor);
    after.start();
    await after.whenIdle();
    expect((await after.report())[0]).toMatchObject({ name: 'flaky', parkedEvents: 1 });
    const { events, total } = await after.parkedEvents('flaky', { limit: 10 });
    expect(total).toBe(1);
    expect(events[0]).toMatchObject({ eventType: 'Happened', streamId: 'graph-a', attempts: 3, error: 'Error: outage while handling 1', parkedAt: expect.any(String) });

    // Still failing: the re-drive records a new attempt, the event stays parked.
    const failed = await after.retryParked('flaky');
    expect(failed).toMatchObject({ handled: 0, failed: 1, unresolved: 1, results: [{ eventId: events[0]!.eventId, outcome: 'failed', attempts: 3, error: 'Error: outage while handling 1' }] });
    expect((await after.parkedEvents('flaky', { limit: 10 })).events[0]).toMatchObject({ attempts: 6, lastRetryAt: expect.any(String) });
    expect((await after.report())[0]).toMatchObject({ parkedEvents: 1, state: 'running' });

    // The fault is gone: the event is handled, once.
    again.state.broken.clear();
    expect(await after.retryParked('flaky')).toMatchObject({ handled: 1, failed: 0, unresolved: 0, results: [{ outcome: 'handled', attempts: 1 }] });
    expect(again.handled).toEqual([1]);
    expect((await after.report())[0]?.parkedEvents).toBe(0);
    expect(await after.retryParked('flaky')).toMatchObject({ handled: 0, failed: 0, results: [] });
    expect(again.handled).toEqual([1]);
    const types = (await rig.stores.eventStore.readStream('parked-processor:flaky')).map((event) => event.type);
    expect(types).toEqual([EVENT_PARKED, PARKED_EVENT_RETRY_FAILED, PARKED_EVENT_RESOLVED]);
  });

  it('leave their processor running, not failing (/health counts them instead), before and after a re-drive on the same instance', async () => {
    const flaky = flakyProcessor();
    flaky.state.broken.add(1);
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    const host = rig.host().addProcessor(flaky.processor);
    host.start();
    await host.whenIdle();
    // No live event succeeded since: parking alone ends the failing (the parked count keeps /health degraded).
    expect((await host.report())[0]).toMatchObject({ state: 'running', parkedEvents: 1, lastError: 'Error: outage while handling 1' });
    expect(await host.retryParked('flaky')).toMatchObject({ failed: 1, unresolved: 1 });
    expect((await host.report())[0]).toMatchObject({ state: 'running', parkedEvents: 1 });

    flaky.state.broken.clear();
    expect(await host.retryParked('flaky')).toMatchObject({ handled: 1, unresolved: 0 });
    expect((await host.report())[0]).toMatchObject({ state: 'running', parkedEvents: 0 });
  });

  it("are resolved as superseded once a later event of their stream is handled, when the processor says that did their work", async () => {
    const flaky = flakyProcessor('converging');
    const asked: Array<{ parked: number; handled: number }> = [];
    const nOf = (event: { data: unknown }) => (event.data as { n: number }).n;
    const converging: Processor = {
      ...flaky.processor,
      // The event 3 of each stream did not do what 1 was for; any other later one did.
      supersedesParked: async (parked, handled) => {
        const [event] = await rig.stores.eventStore.readAll({ fromPosition: parked.position, maxCount: 1 });
        asked.push({ parked: nOf(event!), handled: nOf(handled) });
        return !(nOf(event!) === 1 && nOf(handled) === 3);
      },
    };
    flaky.state.broken = new Set([1, 2]);
    await rig.stores.eventStore.appendToStream('graph-x', [happened(1)]);
    await rig.stores.eventStore.appendToStream('graph-y', [happened(2)]);
    const host = rig.host().addProcessor(converging);
    host.start();
    await host.whenIdle();
    expect((await host.report())[0]).toMatchObject({ parkedEvents: 2 });

    flaky.state.broken.clear();
    await rig.stores.eventStore.appendToStream('graph-x', [happened(3)]);
    await host.whenIdle();
    // Only graph-x's parked event was asked about, and the processor said no.
    expect({ asked, parked: (await host.report())[0]?.parkedEvents }).toEqual({ asked: [{ parked: 1, handled: 3 }], parked: 2 });

    await rig.stores.eventStore.appendToStream('graph-x', [happened(4)]);
    await host.whenIdle();
    const { events } = await host.parkedEvents('converging', { limit: 10 });
    expect(events.map((entry) => entry.streamId)).toEqual(['graph-y']);
    const resolved = (await rig.stores.eventStore.readStream('parked-processor:converging')).filter((event) => event.type === PARKED_EVENT_RESOLVED);
    const fourth = (await rig.stores.eventStore.readStream('graph-x')).at(-1)!;
    expect(resolved.map((event) => event.data)).toEqual([{ runner: 'processor:converging', eventId: expect.any(String), resolution: 'superseded', supersededBy: fourth.id }]);
    // Handled by the live loop only: the superseded event itself was not handled again.
    expect(flaky.handled).toEqual([3, 4]);
    await host.stop();
  });

  it('handles a parked event once when two re-drives of it overlap (a double click, the CLI beside the console)', async () => {
    const flaky = flakyProcessor('overlapping');
    flaky.state.broken.add(7);
    await rig.stores.eventStore.appendToStream('graph-b', [happened(7)]);
    const host = rig.host().addProcessor(flaky.processor);
    host.start();
    await host.whenIdle();
    expect((await host.parkedEvents('overlapping', { limit: 10 })).total).toBe(1);
    flaky.state.broken.clear();
    const [a, b] = await Promise.all([host.retryParked('overlapping'), host.retryParked('overlapping')]);
    expect({ handled: flaky.handled, reported: a.handled + b.handled }).toEqual({ handled: [7], reported: 1 });
    await host.stop();
  });

  it('re-drives at most `limit` events a request, and says how many are left', async () => {
    const flaky = flakyProcessor('paged');
    for (const n of [21, 22, 23]) flaky.state.broken.add(n);
    await rig.stores.eventStore.appendToStream('graph-c', [happened(21), happened(22), happened(23)]);
    const host = rig.host().addProcessor(flaky.processor);
    host.start();
    await host.whenIdle();
    flaky.state.broken.clear();
    expect(await host.retryParked('paged', { limit: 2 })).toMatchObject({ handled: 2, unresolved: 1 });
    expect(flaky.handled).toEqual([21, 22]);
    expect(await host.retryParked('paged', { limit: 2 })).toMatchObject({ handled: 1, unresolved: 0 });
    await host.stop();
  });

  it('discards a parked event without handling it, recording who and why', async () => {
    const flaky = flakyProcessor();
    flaky.state.broken.add(1);
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    const host = rig.host().addProcessor(flaky.processor);
    host.start();
    await host.whenIdle();
    const [parked] = (await host.parkedEvents('flaky', { limit: 10 })).events;
    const discarded = await host.discardParked('flaky', parked!.eventId, { by: 'api', reason: 'the graph is gone' });
    expect(discarded.eventId).toBe(parked!.eventId);
    expect(flaky.handled).toEqual([]);
    expect((await host.report())[0]?.parkedEvents).toBe(0);
    const resolved = (await rig.stores.eventStore.readStream('parked-processor:flaky')).at(-1);
    expect(resolved).toMatchObject({ type: PARKED_EVENT_RESOLVED, data: { resolution: 'discarded', by: 'api', reason: 'the graph is gone' } });
    await expect(host.discardParked('flaky', parked!.eventId, { by: 'api' })).rejects.toBeInstanceOf(UnknownParkedEventError);
    await expect(host.retryParked('flaky', { eventId: parked!.eventId })).rejects.toBeInstanceOf(UnknownParkedEventError);
    await expect(host.parkedEvents('nope', { limit: 1 })).rejects.toBeInstanceOf(UnknownProcessorError);
  });

  it('re-drives only on the instance that holds the lease, and one event by id', async () => {
    const one = flakyProcessor();
    one.state.broken.add(1).add(2);
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const holder = rig.host().addProcessor(one.processor);
    holder.start();
    await holder.whenIdle();
    const standby = rig.host().addProcessor(flakyProcessor().processor);
    standby.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await standby.report())[0]).toMatchObject({ state: 'standby', parkedEvents: 2 });
    await expect(standby.retryParked('flaky')).rejects.toBeInstanceOf(NotLeaseHolderError);

    one.state.broken.clear();
    const [, second] = (await holder.parkedEvents('flaky', { limit: 10 })).events;
    expect(await holder.retryParked('flaky', { eventId: second!.eventId })).toMatchObject({ handled: 1, unresolved: 1 });
    expect(one.handled).toEqual([2]);
    // Paging: the first after a position.
    expect((await holder.parkedEvents('flaky', { limit: 1, after: 0 })).events.map((event) => event.position)).toHaveLength(1);
  });

  it('parks an event again after it was resolved, when the live loop fails on it again', async () => {
    const flaky = flakyProcessor();
    flaky.state.broken.add(1);
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    const first = rig.host().addProcessor(flaky.processor);
    first.start();
    await first.whenIdle();
    const [parked] = (await first.parkedEvents('flaky', { limit: 10 })).events;
    await first.discardParked('flaky', parked!.eventId, { by: 'api' });
    await first.stop();
    // The checkpoint is lost: the event is delivered again, and fails again.
    rig.stores.database.db.prepare("UPDATE rs_checkpoints SET position = 0 WHERE name = 'processor:flaky'").run();
    const second = rig.host().addProcessor(flaky.processor);
    second.start();
    await second.whenIdle();
    expect((await second.report())[0]?.parkedEvents).toBe(1);
  });

  it('reads a bounded number of events to count them, however long the parked history', async () => {
    const reads: number[] = [];
    const counting = new Proxy(rig.stores.eventStore, {
      get: (target, property, receiver) =>
        property === 'readStream'
          ? async (...args: Parameters<EventStore['readStream']>) => {
              const events = await target.readStream(...args);
              if (args[0] === 'parked-processor:flaky') reads.push(events.length);
              return events;
            }
          : Reflect.get(target, property, receiver),
    });
    const hostOver = (eventStore: EventStore) => new ProcessingHost({ eventStore, readStore: rig.stores.readStore, logger: silentLogger, retry: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 }, parkedSnapshotEvery: 20 });
    const flaky = flakyProcessor();
    for (let n = 0; n < 200; n++) flaky.state.broken.add(n);
    await rig.stores.eventStore.appendToStream('graph-a', Array.from({ length: 200 }, (_, n) => happened(n)));
    const writer = hostOver(rig.stores.eventStore).addProcessor(flaky.processor);
    writer.start();
    await writer.whenIdle();
    for (const event of (await writer.parkedEvents('flaky', { limit: 190 })).events) await writer.discardParked('flaky', event.eventId, { by: 'api' });
    await writer.stop();

    // A fresh instance: the latest snapshot, then the events after it (and a few before, as every load reads).
    const fresh = hostOver(counting).addProcessor(flakyProcessor().processor);
    const report = await fresh.report();
    expect(report[0]?.parkedEvents).toBe(10);
    expect(reads.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(20 + 100); // of 390
    expect((await rig.stores.eventStore.readStream('parked-processor:flaky')).length).toBe(390);
    // And again: only what was appended since.
    reads.length = 0;
    await fresh.report();
    expect(reads).toEqual([1]);
  });
});
