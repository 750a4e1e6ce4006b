import { randomUUID } from 'node:crypto';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type EventStore,
  type NewEvent,
  type SubscriptionMessage,
} from '../../src/eventstore/event-store';
import { MaxAppendSizeExceededError, StreamNotFoundError, WrongExpectedVersionError } from '../../src/eventstore/errors';

export interface EventStoreHarness {
  store: EventStore;
  dispose(): Promise<void>;
}

/**
 * The one contract every event store adapter passes. Stream names are unique per test (a real
 * EventStoreDB is shared), and `$all` cases look only at their own category.
 */
export function describeEventStoreContract(adapter: string, create: () => Promise<EventStoreHarness>): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let harness: EventStoreHarness;
    let store: EventStore;
    let category: string;
    const stream = (name = 'a') => `${category}-${name}`;
    const event = (type = 'Happened', data: unknown = { n: 1 }): NewEvent => ({ id: randomUUID(), type, data, metadata: { correlationId: 'c-1' } });
    // Positions are opaque (EventStoreDB's are log offsets with gaps): start reads from one the store gave out.
    const headBefore = async () => (await store.headPosition()) ?? 'start';

    beforeEach(async () => {
      harness = await create();
      store = harness.store;
      category = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });
    afterEach(async () => harness.dispose());

    describe('revisions and expected revisions', () => {
      it('numbers a new stream from 0 and returns the last revision and its global position', async () => {
        const result = await store.appendToStream(stream(), [event(), event(), event()], { expectedRevision: NO_STREAM });
        expect(result.nextExpectedRevision).toBe(2);
        const events = await store.readStream(stream());
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(result.position).toBe(events[2]!.position);
      });

      it('NO_STREAM fails on an existing stream with a typed error carrying the actual revision', async () => {
        await store.appendToStream(stream(), [event(), event()]);
        const failure = await store.appendToStream(stream(), [event()], { expectedRevision: NO_STREAM }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(WrongExpectedVersionError);
        expect(failure).toMatchObject({ streamId: stream(), expected: NO_STREAM, actual: 1 });
      });

      it('STREAM_EXISTS fails on a missing stream and passes on an existing one', async () => {
        const failure = await store.appendToStream(stream(), [event()], { expectedRevision: STREAM_EXISTS }).catch((e: unknown) => e);
        expect(failure).toMatchObject({ name: 'WrongExpectedVersionError', actual: NO_STREAM });
        await store.appendToStream(stream(), [event()]);
        await expect(store.appendToStream(stream(), [event()], { expectedRevision: STREAM_EXISTS })).resolves.toMatchObject({
          nextExpectedRevision: 1,
        });
      });

      it('an exact revision passes when it is the last one and fails when it is stale or ahead', async () => {
        await store.appendToStream(stream(), [event(), event()], { expectedRevision: NO_STREAM });
        await expect(store.appendToStream(stream(), [event()], { expectedRevision: 1 })).resolves.toMatchObject({ nextExpectedRevision: 2 });
        await expect(store.appendToStream(stream(), [event()], { expectedRevision: 1 })).rejects.toMatchObject({
          name: 'WrongExpectedVersionError',
          expected: 1,
          actual: 2,
        });
        await expect(store.appendToStream(stream(), [event()], { expectedRevision: 7 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(store.appendToStream(stream('missing'), [event()], { expectedRevision: 0 })).rejects.toMatchObject({
          actual: NO_STREAM,
        });
        expect(await store.readStream(stream())).toHaveLength(3);
      });

      it('ANY appends whatever the state', async () => {
        await store.appendToStream(stream(), [event()], { expectedRevision: ANY });
        await store.appendToStream(stream(), [event()], { expectedRevision: ANY });
        expect((await store.readStream(stream())).map((e) => e.revision)).toEqual([0, 1]);
      });

      it('of two concurrent appends expecting the same revision exactly one succeeds', async () => {
        await store.appendToStream(stream(), [event()], { expectedRevision: NO_STREAM });
        const outcomes = await Promise.allSettled([
          store.appendToStream(stream(), [event('A')], { expectedRevision: 0 }),
          store.appendToStream(stream(), [event('B')], { expectedRevision: 0 }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream(stream())).toHaveLength(2);
      });
    });

    describe('idempotent appends', () => {
      it('repeating an append with the same event ids writes nothing and returns the original result', async () => {
        const batch = [event(), event()];
        const first = await store.appendToStream(stream(), batch, { expectedRevision: NO_STREAM });
        const again = await store.appendToStream(stream(), batch, { expectedRevision: NO_STREAM });
        expect(again).toEqual(first);
        const withAny = await store.appendToStream(stream(), batch, { expectedRevision: ANY });
        expect(withAny).toEqual(first);
        expect(await store.readStream(stream())).toHaveLength(2);
      });

      it('a repeat at an exact revision is acknowledged after later appends too', async () => {
        await store.appendToStream(stream(), [event()], { expectedRevision: NO_STREAM });
        const batch = [event()];
        const first = await store.appendToStream(stream(), batch, { expectedRevision: 0 });
        await store.appendToStream(stream(), [event()], { expectedRevision: 1 });
        await expect(store.appendToStream(stream(), batch, { expectedRevision: 0 })).resolves.toEqual(first);
        expect(await store.readStream(stream())).toHaveLength(3);
      });

      it('a batch that only partly repeats earlier events is a conflict', async () => {
        const known = event();
        await store.appendToStream(stream(), [known], { expectedRevision: NO_STREAM });
        await expect(store.appendToStream(stream(), [known, event()], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(
          WrongExpectedVersionError,
        );
        expect(await store.readStream(stream())).toHaveLength(1);
      });
    });

    describe('reading a stream', () => {
      beforeEach(async () => {
        await store.appendToStream(stream(), [0, 1, 2, 3, 4].map((n) => event('Numbered', { n })));
      });
      const numbers = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await store.readStream(stream(), options)).map((e) => (e.data as { n: number }).n);

      it('forwards from the start, from a revision, with a maximum count', async () => {
        expect(await numbers({})).toEqual([0, 1, 2, 3, 4]);
        expect(await numbers({ fromRevision: 2 })).toEqual([2, 3, 4]);
        expect(await numbers({ fromRevision: 1, maxCount: 2 })).toEqual([1, 2]);
      });

      it('backwards from the end or from a revision', async () => {
        expect(await numbers({ direction: 'backwards', fromRevision: 'end', maxCount: 2 })).toEqual([4, 3]);
        expect(await numbers({ direction: 'backwards', fromRevision: 2 })).toEqual([2, 1, 0]);
        expect(await numbers({ direction: 'backwards' })).toEqual([4, 3, 2, 1, 0]);
      });

      it('keeps type, data and metadata as written', async () => {
        const [first] = await store.readStream(stream(), { maxCount: 1 });
        expect(first).toMatchObject({ type: 'Numbered', data: { n: 0 }, streamId: stream(), revision: 0 });
        expect(first!.metadata).toMatchObject({ correlationId: 'c-1' });
        expect(Number.isNaN(Date.parse(first!.created))).toBe(false);
      });

      it('fails with a typed error for a missing stream', async () => {
        await expect(store.readStream(stream('nope'))).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('$all', () => {
      it('gives global positions that increase across streams, read forwards and backwards', async () => {
        const a = await store.appendToStream(stream('a'), [event('One')]);
        const b = await store.appendToStream(stream('b'), [event('Two')]);
        const c = await store.appendToStream(stream('a'), [event('Three')]);
        expect(a.position).toBeLessThan(b.position);
        expect(b.position).toBeLessThan(c.position);
        const mine = { streamCategories: [category] };
        const forwards = await store.readAll({ fromPosition: a.position, filter: mine });
        expect(forwards.map((e) => e.type)).toEqual(['One', 'Two', 'Three']);
        expect((await store.readAll({ fromPosition: b.position, filter: mine })).map((e) => e.type)).toEqual(['Two', 'Three']);
        const backwards = await store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 2, filter: mine });
        expect(backwards.map((e) => e.type)).toEqual(['Three', 'Two']);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(c.position);
      });

      it('reads backwards from a position, that position included', async () => {
        await store.appendToStream(stream('a'), [event('One')]);
        const two = await store.appendToStream(stream('b'), [event('Two')]);
        await store.appendToStream(stream('a'), [event('Three')]);
        const backwards = await store.readAll({ direction: 'backwards', fromPosition: two.position, maxCount: 2, filter: { streamCategories: [category] } });
        expect(backwards.map((e) => e.type)).toEqual(['Two', 'One']);
      });

      it('filters by event type and by stream category', async () => {
        const from = await headBefore();
        await store.appendToStream(stream('a'), [event('Wanted'), event('Other')]);
        await store.appendToStream(`${category}x-b`, [event('Wanted')]);
        const byType = await store.readAll({ fromPosition: from, filter: { eventTypes: ['Wanted'], streamCategories: [category] } });
        expect(byType.map((e) => `${e.streamId}:${e.type}`)).toEqual([`${stream('a')}:Wanted`]);
        const byCategory = await store.readAll({ fromPosition: from, filter: { streamCategories: [`${category}x`] } });
        expect(byCategory.map((e) => e.streamId)).toEqual([`${category}x-b`]);
      });
    });

    describe('catch-up subscriptions to $all', () => {
      async function take(iterator: AsyncIterator<SubscriptionMessage>, count: number): Promise<SubscriptionMessage[]> {
        const messages: SubscriptionMessage[] = [];
        while (messages.length < count) {
          const next = await iterator.next();
          if (next.done) break;
          messages.push(next.value);
        }
        return messages;
      }

      it('starts exclusively after a checkpoint, reports caught up, then delivers live events', async () => {
        const first = await store.appendToStream(stream(), [event('E1')]);
        await store.appendToStream(stream(), [event('E2'), event('E3')]);
        const subscription = store.subscribeToAll({ fromPosition: first.position, filter: { streamCategories: [category] } });
        const iterator = subscription[Symbol.asyncIterator]();
        const history = await take(iterator, 3);
        expect(history.slice(0, 2).map((m) => (m.kind === 'event' ? m.event.type : m.kind))).toEqual(['E2', 'E3']);
        expect(history[2]).toMatchObject({ kind: 'caughtUp' });
        const live = await store.appendToStream(stream(), [event('E4')]);
        const [next, after] = await take(iterator, 2);
        expect(next).toMatchObject({ kind: 'event', event: { type: 'E4', position: live.position } });
        // Caught up again once the live event is handed out: consumers that batch until caught up flush it.
        expect(after).toMatchObject({ kind: 'caughtUp' });
        expect((after as { position: number }).position).toBeGreaterThanOrEqual(live.position);
        await subscription.close();
      });

      it('filters by event type and by stream category', async () => {
        const from = await headBefore();
        await store.appendToStream(stream('a'), [event('Skip')]);
        await store.appendToStream(stream('b'), [event('Keep')]);
        await store.appendToStream(`${category}other-c`, [event('Keep')]);
        const subscription = store.subscribeToAll({
          fromPosition: from,
          filter: { eventTypes: ['Keep'], streamCategories: [category] },
        });
        const messages = await take(subscription[Symbol.asyncIterator](), 2);
        expect(messages[0]).toMatchObject({ kind: 'event', event: { streamId: stream('b'), type: 'Keep' } });
        expect(messages[1]).toMatchObject({ kind: 'caughtUp' });
        await subscription.close();
      });

      it('once live, reports caught up past a new event it filters out (read-your-writes waits on that position)', async () => {
        const from = await headBefore();
        const subscription = store.subscribeToAll({ fromPosition: from, filter: { streamCategories: [category] } });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await take(iterator, 1))[0]).toMatchObject({ kind: 'caughtUp' });
        const other = await store.appendToStream(`${category}other-x`, [event('Elsewhere')]);
        let message = (await take(iterator, 1))[0];
        while (message?.kind === 'caughtUp' && message.position < other.position) message = (await take(iterator, 1))[0];
        expect(message).toMatchObject({ kind: 'caughtUp' });
        expect((message as { position: number }).position).toBeGreaterThanOrEqual(other.position);
        await subscription.close();
      });

      it('delivers an append acknowledged at commit, alone or followed by one acknowledged once durable, and reads it back at once', async () => {
        const from = await headBefore();
        const subscription = store.subscribeToAll({ fromPosition: from, filter: { streamCategories: [category] } });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await take(iterator, 1))[0]).toMatchObject({ kind: 'caughtUp' });
        // Alone: no later append flushes it, and it still reaches the subscription.
        const alone = await store.appendToStream(stream('r'), [event('Reserved')], { expectedRevision: NO_STREAM, acknowledge: 'committed' });
        expect((await store.readStream(stream('r'))).map((e) => e.type)).toEqual(['Reserved']);
        expect((await take(iterator, 1))[0]).toMatchObject({ kind: 'event', event: { type: 'Reserved', position: alone.position } });
        // Then a command's two steps: the second's acknowledgement covers the first.
        const reserved = await store.appendToStream(stream('r'), [event('Reserved')], { expectedRevision: alone.nextExpectedRevision, acknowledge: 'committed' });
        const submitted = await store.appendToStream(stream('g'), [event('Submitted')], { expectedRevision: NO_STREAM });
        const delivered: Array<[string, number]> = [];
        while (delivered.length < 2) {
          const [message] = await take(iterator, 1);
          if (message?.kind === 'event') delivered.push([message.event.type, message.event.position]);
        }
        expect(delivered).toEqual([
          ['Reserved', reserved.position],
          ['Submitted', submitted.position],
        ]);
        await subscription.close();
      });

      it('reports the caught-up position past events it filtered out', async () => {
        const from = await headBefore();
        const start = await store.appendToStream(stream(), [event('Skip'), event('Skip')]);
        const subscription = store.subscribeToAll({ fromPosition: from, filter: { eventTypes: [`None${category}`] } });
        const [message] = await take(subscription[Symbol.asyncIterator](), 1);
        expect(message).toMatchObject({ kind: 'caughtUp' });
        expect((message as { position: number }).position).toBeGreaterThanOrEqual(start.position);
        await subscription.close();
      });
    });

    it('finds every event of one correlation id, across streams, in order', async () => {
      const correlationId = `corr-${category}`;
      const tagged = (type: string): NewEvent => ({ id: randomUUID(), type, data: {}, metadata: { correlationId } });
      await store.appendToStream(stream('a'), [tagged('First')]);
      await store.appendToStream(stream('b'), [event('Unrelated'), tagged('Second')]);
      const story = await store.readByCorrelationId(correlationId);
      expect(story.map((e) => `${e.streamId}:${e.type}`)).toEqual([`${stream('a')}:First`, `${stream('b')}:Second`]);
    });

    describe('finding an event by id (a command repeated long after: its event ids are deterministic)', () => {
      const commanded = (commandId: string, type = 'Commanded'): NewEvent => ({ id: randomUUID(), type, data: {}, metadata: { correlationId: 'c-1', commandId } });

      it('finds the first event of an append carrying a commandId, however many events the stream has after it', async () => {
        const first = commanded('cmd-1', 'First');
        await store.appendToStream(stream(), [first, commanded('cmd-1', 'Second')], { expectedRevision: NO_STREAM });
        await store.appendToStream(stream(), Array.from({ length: 150 }, () => event()), { expectedRevision: 1 });
        const byExact = commanded('cmd-2');
        await store.appendToStream(stream(), [byExact], { expectedRevision: 151 });
        const byAny = commanded('cmd-3');
        await store.appendToStream(stream(), [byAny], { expectedRevision: ANY });
        const found = await store.findEvent(stream(), first.id);
        expect(found && { id: found.id, type: found.type, revision: found.revision, commandId: found.metadata.commandId }).toEqual({ id: first.id, type: 'First', revision: 0, commandId: 'cmd-1' });
        expect((await store.readStream(stream(), { fromRevision: 0, maxCount: 1 }))[0]?.position).toBe(found?.position);
        expect((await store.findEvent(stream(), byExact.id))?.revision).toBe(152);
        expect((await store.findEvent(stream(), byAny.id))?.revision).toBe(153);
      });

      it('answers null for an id the stream does not hold, an event of another stream, or a deleted stream', async () => {
        const held = commanded('cmd-1');
        await store.appendToStream(stream('a'), [held], { expectedRevision: NO_STREAM });
        expect(await store.findEvent(stream('a'), randomUUID())).toBeNull();
        expect(await store.findEvent(stream('b'), held.id)).toBeNull();
        expect(await store.findEvent(stream('never-written'), held.id)).toBeNull();
        await store.deleteStream(stream('a'), { expectedRevision: 0 });
        expect(await store.findEvent(stream('a'), held.id)).toBeNull();
      });

      it('an append refused for a conflict leaves nothing to find; the same events appended after are found where they were written', async () => {
        await store.appendToStream(stream(), [event(), event()], { expectedRevision: NO_STREAM });
        const late = commanded('cmd-late');
        await expect(store.appendToStream(stream(), [late], { expectedRevision: 0 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.findEvent(stream(), late.id)).toBeNull();
        await store.appendToStream(stream(), [late], { expectedRevision: 1 });
        expect((await store.findEvent(stream(), late.id))?.revision).toBe(2);
      });
    });

    describe('soft delete', () => {
      it('hides the stream from reads, keeps its events in $all, and a later append continues the numbering', async () => {
        const from = await headBefore();
        await store.appendToStream(stream(), [event('Before'), event('Before')]);
        await store.deleteStream(stream(), { expectedRevision: 1 });
        await expect(store.readStream(stream())).rejects.toBeInstanceOf(StreamNotFoundError);
        const all = await store.readAll({ fromPosition: from, filter: { streamCategories: [category] } });
        expect(all.map((e) => e.type)).toEqual(['Before', 'Before']);
        const again = await store.appendToStream(stream(), [event('After')], { expectedRevision: NO_STREAM });
        expect(again.nextExpectedRevision).toBe(2);
        expect((await store.readStream(stream())).map((e) => `${e.type}@${e.revision}`)).toEqual(['After@2']);
      });

      // EventStoreDB's own client suite (deleted_stream.recreated_with_expected_version): a soft-deleted
      // stream keeps its last revision for expected-revision checks, so the writer that read it last may recreate it.
      it('recreates a soft-deleted stream with an append expecting the revision it was deleted at', async () => {
        await store.appendToStream(stream(), [event('Before')], { expectedRevision: NO_STREAM });
        await store.deleteStream(stream(), { expectedRevision: 0 });
        const again = await store.appendToStream(stream(), [event('After'), event('After')], { expectedRevision: 0 });
        expect(again.nextExpectedRevision).toBe(2);
        expect((await store.readStream(stream())).map((e) => `${e.type}@${e.revision}`)).toEqual(['After@1', 'After@2']);
      });

      it('deletes an already-deleted stream again with a delete expecting the revision it was deleted at', async () => {
        await store.appendToStream(stream(), [event('Before'), event('Before')], { expectedRevision: NO_STREAM });
        await store.deleteStream(stream(), { expectedRevision: 1 });
        await store.deleteStream(stream(), { expectedRevision: 1 });
        await expect(store.readStream(stream())).rejects.toBeInstanceOf(StreamNotFoundError);
        const again = await store.appendToStream(stream(), [event('After')], { expectedRevision: 1 });
        expect(again.nextExpectedRevision).toBe(2);
      });

      it('a delete expecting STREAM_EXISTS fails on a stream that does not exist (or is already deleted)', async () => {
        await expect(store.deleteStream(stream('never'), { expectedRevision: STREAM_EXISTS })).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await store.appendToStream(stream(), [event()]);
        await store.deleteStream(stream());
        await expect(store.deleteStream(stream(), { expectedRevision: STREAM_EXISTS })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      });

      it('checks the expected revision of a delete', async () => {
        await store.appendToStream(stream(), [event()]);
        await expect(store.deleteStream(stream(), { expectedRevision: 5 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream(stream())).toHaveLength(1);
      });
    });

    it('refuses an append over the maximum size and writes nothing', async () => {
      const big = event('Big', { blob: 'x'.repeat(1_100_000) });
      await expect(store.appendToStream(stream(), [big])).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
      await expect(store.readStream(stream())).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });
}
