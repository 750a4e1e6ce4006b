import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '../eventstore/event-store';
import { EventStoreUnavailableError } from '../eventstore/errors';
import { sqliteProcessing } from '../../test/support/processing-rig';
import type { Processor } from './processor';

const happened = (label: string): NewEvent => ({ id: randomUUID(), type: 'Happened', data: { label }, metadata: {} });
const labelOf = (event: RecordedEvent) => (event.data as { label: string }).label;

/** A processor handling two streams at once; the events named in `blocked` wait until released. */
function blockingProcessor() {
  const handled: string[] = [];
  const blocked = new Map<string, () => void>();
  const waiting = new Set<string>();
  let failOn: string | null = null;
  const processor: Processor = {
    name: 'lanes',
    filter: { eventTypes: ['Happened'] },
    concurrentStreams: 2,
    handle: async (event) => {
      const label = labelOf(event);
      if (failOn === label) {
        failOn = null;
        throw new EventStoreUnavailableError('the store is away');
      }
      if (waiting.has(label)) await new Promise<void>((resolve) => blocked.set(label, resolve));
      handled.push(label);
    },
  };
  return {
    processor,
    handled,
    block: (label: string) => waiting.add(label),
    release: (label: string) => {
      waiting.delete(label);
      blocked.get(label)?.();
    },
    isWaiting: (label: string) => blocked.has(label),
    failOnce: (label: string) => (failOn = label),
  };
}

describe('a processor that handles streams at once (concurrentStreams)', () => {
  const rig = sqliteProcessing({ leaseTtlMs: 300 });
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('handles other streams while one waits, each stream in order, and checkpoints only past what is done', async () => {
    const lanes = blockingProcessor();
    lanes.block('a1');
    const [a1] = await rig.stores.eventStore.appendToStream('graph-a', [happened('a1')]).then(async () => rig.stores.eventStore.readStream('graph-a'));
    await rig.stores.eventStore.appendToStream('graph-b', [happened('b1'), happened('b2')]);
    await rig.stores.eventStore.appendToStream('graph-a', [happened('a2')]);
    const host = rig.host().addProcessor(lanes.processor);
    host.start();
    await until(() => lanes.handled.length === 2 && lanes.isWaiting('a1'), 'b1, b2 handled while a1 waits');
    expect(lanes.handled).toEqual(['b1', 'b2']);
    // a2 waits for a1 (its stream's order), and the position stays before a1: a restart would handle a1 again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lanes.handled).toEqual(['b1', 'b2']);
    expect((await host.report())[0]!.processedPosition).toBeLessThan(a1!.position);

    lanes.release('a1');
    await host.whenIdle();
    expect(lanes.handled).toEqual(['b1', 'b2', 'a1', 'a2']);
    const head = (await rig.stores.eventStore.headPosition()) ?? 0;
    expect((await host.report())[0]!.processedPosition).toBe(head);
    expect(await rig.stores.readStore.getCheckpoint('processor:lanes')).toBe(head);
    await host.stop();
  });

  it('after a stop while one stream waited, handles again what came after the oldest event not done (at least once, never skipped)', async () => {
    const lanes = blockingProcessor();
    lanes.block('a1');
    await rig.stores.eventStore.appendToStream('graph-a', [happened('a1')]);
    await rig.stores.eventStore.appendToStream('graph-b', [happened('b1')]);
    const first = rig.host().addProcessor(lanes.processor);
    first.start();
    await until(() => lanes.handled.includes('b1') && lanes.isWaiting('a1'), 'b1 handled while a1 waits');
    const stopped = first.stop();
    lanes.release('a1'); // it finishes as SMO stops; its position was never saved
    await stopped;

    const again = blockingProcessor();
    const second = rig.host().addProcessor(again.processor);
    second.start();
    await second.whenIdle();
    expect(again.handled.sort()).toEqual(['a1', 'b1']);
    await second.stop();
  });

  it('fails the session at once on a store failure when no event follows (it does not wait for the next one)', async () => {
    const lanes = blockingProcessor();
    lanes.failOnce('only');
    const host = rig.host().addProcessor(lanes.processor);
    host.start();
    await host.whenIdle();
    // Live: the event comes after the catch-up, and nothing comes after it.
    await rig.stores.eventStore.appendToStream('graph-a', [happened('only')]);
    await until(() => lanes.handled.includes('only'), 'the event handled by the next session');
    await host.stop();
  });

  it('fails the session on a store failure, lets the others finish, and starts again from the checkpoint', async () => {
    const lanes = blockingProcessor();
    lanes.failOnce('b1');
    await rig.stores.eventStore.appendToStream('graph-a', [happened('a1')]);
    await rig.stores.eventStore.appendToStream('graph-b', [happened('b1')]);
    await rig.stores.eventStore.appendToStream('graph-a', [happened('a2')]);
    const host = rig.host().addProcessor(lanes.processor);
    host.start();
    await host.whenIdle();
    // b1 failed the first session (not parked); the next one handled it, and everything after the checkpoint again.
    expect(lanes.handled).toContain('b1');
    expect(lanes.handled.filter((label) => label === 'a2').length).toBeGreaterThanOrEqual(1);
    expect((await host.report())[0]!.parkedEvents).toBe(0);
    await host.stop();
  });
});
