import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/eventstore/event-store';
import { run } from '../../src/cli/main';
import { startApp, type RunningApp } from '../support/app';
import { DurableProcessing } from '../../src/app/processing.composition';

const EVENTS = 100_000;
const STREAMS = 2_000;
const PER_APPEND = 500;

describe('rebuilding a projection over 100,000 events', () => {
  let smo: RunningApp;
  beforeAll(async () => (smo = await startApp()));
  afterAll(async () => smo.close());

  it('yields the same documents as the live projection, and the CLI prints events/s', async () => {
    // The simulated inventory's first sync appends its own events: let it finish first.
    await smo.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
    const appends: Promise<unknown>[] = [];
    for (let first = 0; first < EVENTS; first += PER_APPEND) {
      const stream = `load-${(first / PER_APPEND) % STREAMS}`;
      const events: NewEvent[] = Array.from({ length: PER_APPEND }, (_, i) => ({
        id: randomUUID(),
        type: i % 3 === 0 ? 'Created' : 'Changed',
        data: { n: first + i },
        metadata: { correlationId: `c-${first + i}` },
      }));
      appends.push(smo.runtime.eventStore.appendToStream(`${stream}-${first % 7}`, events));
    }
    await Promise.all(appends);
    await smo.runtime.processing.whenIdle(120_000);
    const live = await smo.runtime.readStore.find('stream-summaries', { orderBy: [{ field: 'streamId' }] });
    expect(live.filter((d) => d.id.startsWith('load-')).reduce((sum, d) => sum + (d.doc as { events: number }).events, 0)).toBe(EVENTS);

    const printed: string[] = [];
    const code = await run(['projections', 'rebuild', 'stream-summaries'], { SMO_URL: smo.url }, (line) => printed.push(line), () => undefined);
    expect(code).toBe(0);
    expect(printed.join('\n')).toMatch(/Rebuilt stream-summaries into stream-summaries__v2 \(was stream-summaries__v1\): 10000\d events in \d+ ms, \d+ events\/s/);

    const rebuilt = await smo.runtime.readStore.find('stream-summaries', { orderBy: [{ field: 'streamId' }] });
    expect(rebuilt).toEqual(live);
  }, 180_000);
});
