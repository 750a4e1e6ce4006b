import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '../eventstore/event-store';
import { streamSummariesProjection, type StreamSummary } from '../../projections/stream-summaries.projection';
import { sqliteProcessing } from '../../test/support/processing-rig';
import type { ReadStore } from '../readstore/read-store';
import { EventStoreUnavailableError } from '../eventstore/errors';
import { EVENT_PARKED } from './parking';
import type { Processor } from './processor';
import type { Projection } from './projection';
import { builtProjectionVersion } from './projection-runner';
import { eventually } from '../../test/support/smo-process';

const happened = (n: number): NewEvent => ({ id: randomUUID(), type: 'Happened', data: { n }, metadata: { correlationId: `c${n}` } });

describe('ProcessingHost', () => {
  const rig = sqliteProcessing({ leaseTtlMs: 300 });
  const host = (readStore?: ReadStore) => rig.host(readStore);

  it('projects history and live events, and read-your-writes waits for the projection', async () => {
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const processing = host().addProjection(streamSummariesProjection);
    processing.start();
    const live = await rig.stores.eventStore.appendToStream('graph-b', [happened(3)]);
    await processing.whenProcessed(live.position);
    const a = await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-a');
    expect(a?.doc).toMatchObject({ streamId: 'graph-a', category: 'graph', events: 2, lastRevision: 1, lastCorrelationId: 'c2' });
    expect((await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-b'))?.doc.events).toBe(1);
  });

  it('read-your-writes on an instance whose projection stands by follows the checkpoint of the instance that runs it', async () => {
    const active = host().addProjection(streamSummariesProjection);
    active.start();
    await active.whenIdle();
    const standby = host().addProjection(streamSummariesProjection);
    standby.start();
    const written = await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    await standby.whenProcessed(written.position, { timeoutMs: 2000 });
    expect((await standby.report()).find((r) => r.name === 'stream-summaries')?.state).toBe('standby');
    expect((await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-a'))?.doc.events).toBe(1);
  });

  it('stop() ends the read-your-writes awaiters it leaves unmet, and no timer of theirs outlives it', async () => {
    const processing = host().addProjection(streamSummariesProjection);
    processing.start();
    await processing.whenIdle();
    const timers = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const before = timers();
    // A request that waits for a position no event reached yet, when SMO shuts down.
    const waiting = processing.whenProcessed(1_000_000, { timeoutMs: 60_000 });
    waiting.catch(() => undefined);
    await processing.stop();
    expect(timers()).toBeLessThanOrEqual(before);
    await expect(waiting).rejects.toThrow('projection:stream-summaries stopped before it reached position 1000000');
  });

  it('reports from the last head it read when the event store cannot be reached (/health then says why, instead of failing)', async () => {
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const processing = host().addProjection(streamSummariesProjection);
    processing.start();
    await processing.whenIdle();
    const before = await processing.report();
    await processing.stop();
    rig.stores.database.close(); // every read fails from now on
    await expect(rig.stores.eventStore.headPosition()).rejects.toThrow();
    const after = await processing.report();
    expect(after.map((r) => [r.name, r.lag, r.processedPosition])).toEqual(before.map((r) => [r.name, r.lag, r.processedPosition]));
  });

  it('resumes from its checkpoint after a restart, and replaying from zero changes nothing', async () => {
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2), happened(3)]);
    const first = host().addProjection(streamSummariesProjection);
    first.start();
    await first.whenIdle();
    await first.stop();
    const before = await rig.stores.readStore.find('stream-summaries');
    // Forget the checkpoint: every event is delivered again, and the position guards ignore them.
    rig.stores.database.db.prepare("UPDATE rs_checkpoints SET position = 0 WHERE name = 'projection:stream-summaries'").run();
    const second = host().addProjection(streamSummariesProjection);
    second.start();
    await second.whenIdle();
    expect(await rig.stores.readStore.find('stream-summaries')).toEqual(before);
    expect(before[0]?.doc).toMatchObject({ events: 3 });
  });

  it('delivers each event to a processor at least once, retrying failures', async () => {
    const seen: string[] = [];
    let failuresLeft = 2;
    const processor: Processor = {
      name: 'flaky',
      filter: { eventTypes: ['Happened'] },
      handle: async (event: RecordedEvent) => {
        if (failuresLeft-- > 0) throw new Error('transient');
        seen.push(event.id);
      },
    };
    const written = [happened(1), happened(2)];
    await rig.stores.eventStore.appendToStream('graph-a', written);
    const processing = host().addProcessor(processor);
    processing.start();
    await processing.whenIdle();
    expect(seen).toEqual(written.map((e) => e.id));
    expect((await processing.report())[0]).toMatchObject({ name: 'flaky', parkedEvents: 0, lag: 0 });
  });

  it('parks an event that keeps failing, records why, and goes on with the next', async () => {
    const handled: number[] = [];
    const processor: Processor = {
      name: 'picky',
      filter: { eventTypes: ['Happened'] },
      handle: async (event: RecordedEvent) => {
        const { n } = event.data as { n: number };
        if (n === 1) throw new Error('cannot handle 1');
        handled.push(n);
      },
    };
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const processing = host().addProcessor(processor);
    processing.start();
    await processing.whenIdle();
    expect(handled).toEqual([2]);
    const parked = await rig.stores.eventStore.readStream('parked-processor:picky');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ type: EVENT_PARKED, data: { eventType: 'Happened', attempts: 3, error: 'Error: cannot handle 1' } });
    expect((await processing.report())[0]?.parkedEvents).toBe(1);
  });

  it('does not park when the store cannot write: a projection fails, shows it, and catches up once it can', async () => {
    const written = await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    rig.stores.database.db.exec('PRAGMA query_only = ON'); // every write fails (SQLITE_READONLY), as on a read-only filesystem
    const processing = host().addProjection(streamSummariesProjection);
    processing.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await processing.report())[0]).toMatchObject({ name: 'stream-summaries', state: 'failing', parkedEvents: 0, lastError: expect.stringContaining('readonly') });
    rig.stores.database.db.exec('PRAGMA query_only = OFF');
    await processing.whenProcessed(written.position);
    expect((await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-a'))?.doc.events).toBe(2);
    expect(await rig.stores.eventStore.readStream('parked-projection:stream-summaries').catch(() => [])).toHaveLength(0);
    expect((await processing.report())[0]?.parkedEvents).toBe(0);
  });

  it('does not park an event whose outcome the event store cannot record: the processor handles it again later', async () => {
    let unavailable = 5; // more than the retry policy's attempts
    const handled: number[] = [];
    const processor: Processor = {
      name: 'recorder',
      filter: { eventTypes: ['Happened'] },
      handle: async (event: RecordedEvent) => {
        if (unavailable-- > 0) throw new EventStoreUnavailableError('database or disk is full');
        handled.push((event.data as { n: number }).n);
      },
    };
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1), happened(2)]);
    const processing = host().addProcessor(processor);
    processing.start();
    await processing.whenIdle();
    expect(handled).toEqual([1, 2]);
    expect((await processing.report())[0]).toMatchObject({ parkedEvents: 0, state: 'running' });
    expect(await rig.stores.eventStore.readStream('parked-processor:recorder').catch(() => [])).toHaveLength(0);
  });

  it('runs a processor on one instance at a time and fails over when the lease holder stops', async () => {
    const calls: string[] = [];
    const processorFor = (instance: string): Processor => ({
      name: 'singleton',
      filter: { eventTypes: ['Happened'] },
      handle: async () => void calls.push(instance),
    });
    const one = host().addProcessor(processorFor('one'));
    const two = host().addProcessor(processorFor('two'));
    one.start();
    await one.whenIdle();
    two.start();
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    await one.whenIdle();
    expect((await two.report())[0]?.state).toBe('standby');
    await one.stop();
    const next = await rig.stores.eventStore.appendToStream('graph-a', [happened(2)]);
    await two.whenProcessed(next.position, { includeProcessors: true, timeoutMs: 5000 });
    expect(calls).toEqual(['one', 'two']);
  });

  it('a projection that takes its lease back folds onto what the other instance wrote meanwhile, not onto what it wrote itself before', async () => {
    await rig.stores.eventStore.appendToStream('graph-a', [happened(1)]);
    const one = host().addProjection(streamSummariesProjection);
    const two = host().addProjection(streamSummariesProjection);
    one.start();
    await one.whenIdle();
    two.start();
    await one.stop(); // the lease goes to two
    const meanwhile = await rig.stores.eventStore.appendToStream('graph-a', [happened(2), happened(3)]);
    await two.whenProcessed(meanwhile.position, { timeoutMs: 5000 });
    await two.stop();
    one.start(); // the same runner, which had written graph-a at its first event
    const next = await rig.stores.eventStore.appendToStream('graph-a', [happened(4)]);
    await one.whenProcessed(next.position, { timeoutMs: 5000 });
    expect((await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-a'))?.doc).toMatchObject({ events: 4, lastRevision: 3, lastCorrelationId: 'c4' });
    await one.stop();
  });

  it("runs a processor's onLeaseTaken on the lease holder only: at each take, after a loss again, and on the instance that takes over", async () => {
    const taken: string[] = [];
    const processorFor = (instance: string): Processor => ({
      name: 'preparing',
      filter: { eventTypes: ['Happened'] },
      handle: async () => undefined,
      onLeaseTaken: async () => void taken.push(instance),
    });
    // Instance one's renewals are refused while `lost`, as when another owner holds its lease.
    let lost = false;
    const store = rig.stores.readStore;
    const losing = new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'acquireLease' ? (name: string, owner: string, ttlMs: number) => (lost ? Promise.resolve(false) : target.acquireLease(name, owner, ttlMs)) : Reflect.get(target, property, receiver),
    });
    const one = host(losing).addProcessor(processorFor('one'));
    one.start();
    await one.whenIdle();
    expect(taken).toEqual(['one']);
    lost = true;
    await eventually(async () => ((await one.report())[0]?.state === 'standby') || undefined, 5_000, 'instance one to lose its lease');
    lost = false;
    await eventually(async () => ((await one.report())[0]?.state === 'running') || undefined, 5_000, 'instance one to take its lease again');
    expect(taken).toEqual(['one', 'one']);

    const two = host().addProcessor(processorFor('two'));
    two.start();
    await eventually(async () => ((await two.report())[0]?.state === 'standby') || undefined, 5_000, 'instance two to stand by');
    expect(taken).toEqual(['one', 'one']);
    await one.stop();
    await eventually(async () => ((await two.report())[0]?.state === 'running') || undefined, 5_000, 'instance two to take over');
    expect(taken).toEqual(['one', 'one', 'two']);
  });

  it('rebuilds a projection blue/green into the same documents as the live one', async () => {
    for (let i = 0; i < 20; i++) await rig.stores.eventStore.appendToStream(`graph-${i % 4}`, [happened(i)]);
    const processing = host().addProjection(streamSummariesProjection);
    processing.start();
    await processing.whenIdle();
    const live = await rig.stores.readStore.find('stream-summaries');
    const before = await rig.stores.readStore.activeCollection('stream-summaries');
    const progress: number[] = [];
    const report = await processing.rebuild('stream-summaries', (p) => progress.push(p.events));
    expect(report).toMatchObject({ events: 20, previousCollection: before });
    expect(report.collection).not.toBe(before);
    expect(progress.at(-1)).toBe(20);
    expect(await rig.stores.readStore.activeCollection('stream-summaries')).toBe(report.collection);
    expect(await rig.stores.readStore.find('stream-summaries')).toEqual(live);
    // Live events after the switch land in the new version.
    const after = await rig.stores.eventStore.appendToStream('graph-0', [happened(99)]);
    await processing.whenProcessed(after.position);
    expect((await rig.stores.readStore.get<StreamSummary>('stream-summaries', 'graph-0'))?.doc.events).toBe(6);
  });

  it('keeps the switched-to version when dropping the old one fails', async () => {
    for (let i = 0; i < 8; i++) await rig.stores.eventStore.appendToStream(`graph-${i % 2}`, [happened(i)]);
    // A read store whose first drop of a collection fails (a fault the real one cannot produce on demand); later drops work.
    let drops = 0;
    const failingDrop = new Proxy(rig.stores.readStore, {
      get: (target, property, receiver) =>
        property === 'dropCollection' ? (name: string) => (drops++ === 0 ? Promise.reject(new Error('disk I/O error')) : target.dropCollection(name)) : Reflect.get(target, property, receiver),
    });
    const processing = host(failingDrop).addProjection(streamSummariesProjection);
    processing.start();
    await processing.whenIdle();
    const live = await rig.stores.readStore.find('stream-summaries');
    await expect(processing.rebuild('stream-summaries')).rejects.toThrow('disk I/O error');
    // The switch happened before the drop: the active version is the rebuilt one, with every document.
    expect(await rig.stores.readStore.find('stream-summaries')).toEqual(live);
  });

  it('rebuilds a projection at start whenever its stored version differs: rolled back to an older fold, and forward again', async () => {
    /** The same read model in two versions of SMO: version 2 stores a field version 1 does not know. */
    const shaped = (version: number): Projection<{ n: number; shape: number }> => ({
      name: 'things',
      collection: 'things',
      version,
      filter: { streamCategories: ['thing'] },
      documentIds: (event) => [event.streamId],
      evolve: (doc, event) => ({ n: (doc?.n ?? 0) + (event.data as { n: number }).n, shape: version }),
    });
    const { eventStore, readStore } = rig.stores;
    const runAs = async (version: number) => {
      const processing = host().addProjection(shaped(version));
      processing.start();
      await processing.whenProcessed((await eventStore.headPosition())!);
      await eventually(async () => (await builtProjectionVersion(readStore, 'things')) === version, 5_000, `the documents of version ${version}`);
      await processing.stop();
      return (await readStore.find<{ n: number; shape: number }>('things')).map((d) => d.doc);
    };
    await eventStore.appendToStream('thing-a', [{ id: 'a1', type: 'Counted', data: { n: 1 } }]);
    expect(await runAs(2)).toEqual([{ n: 1, shape: 2 }]);
    // Rolled back: version 1 of the code starts over documents built by version 2.
    await eventStore.appendToStream('thing-b', [{ id: 'b1', type: 'Counted', data: { n: 1 } }]);
    expect(await runAs(1)).toEqual([{ n: 1, shape: 1 }, { n: 1, shape: 1 }]);
    // Rolled forward again: the documents version 1 wrote are rebuilt by version 2.
    expect(await runAs(2)).toEqual([{ n: 1, shape: 2 }, { n: 1, shape: 2 }]);
  });
});
