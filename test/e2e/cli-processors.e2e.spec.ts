import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { run } from '../../src/cli/main';
import { startApp, type RunningApp } from '../support/app';

const OPERATE = 'cli-operate-token-0123456789';

async function smo(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, env, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('smo processors: list, parked, retry, discard', () => {
  let app: RunningApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startApp({ SMO_API_TOKENS: `${OPERATE}:operate` });
    env = { SMO_URL: app.url, SMO_TOKEN: OPERATE };
  });
  afterAll(async () => app.close());

  it('shows parked events, retries them (exit 1 while one fails again) and discards one', async () => {
    // Two parked events of the alert-rules processor, recorded as its runner records them: one of an event it
    // handles (a probe it has nothing to do for), one that is no longer where it was parked from (it fails again).
    const { eventStore } = app.runtime;
    const probe = { id: randomUUID(), type: 'Probe', data: {} };
    const { position } = await eventStore.appendToStream('test-probe', [probe]);
    const parked = (eventId: string) => ({
      id: randomUUID(),
      type: 'EventParked',
      data: { runner: 'processor:alert-rules', eventId, eventType: 'Probe', streamId: 'test-probe', position, attempts: 5, error: 'Error: outage' },
    });
    await eventStore.appendToStream('parked-processor:alert-rules', [parked(probe.id)]);
    await eventStore.appendToStream('parked-processor:alert-rules', [parked('gone-event')]);

    const list = await smo(env, 'processors');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+STATE\s+PROCESSEDPOSITION\s+LAG\s+PARKEDEVENTS\n/);
    expect(list.out).toMatch(/^alert-rules\s+running\s+\d+\s+\d+\s+2$/m);
    expect((await smo(env, 'processors', 'list', '-o', 'wide')).out).toMatch(/LASTERROR/);

    const shown = await smo(env, 'processors', 'parked', 'alert-rules');
    expect(shown.out.split('\n')).toEqual([
      expect.stringMatching(/^EVENTID\s+EVENTTYPE\s+STREAMID\s+POSITION\s+ATTEMPTS\s+ERROR$/),
      expect.stringMatching(new RegExp(`^${probe.id}\\s+Probe\\s+test-probe\\s+${position}\\s+5\\s+Error: outage$`)),
      expect.stringMatching(/^gone-event\s+Probe/),
    ]);
    expect(parse((await smo(env, 'processors', 'parked', 'alert-rules', '-o', 'yaml')).out)).toMatchObject({ processor: 'alert-rules', total: 2 });
    const firstPage = await smo(env, 'processors', 'parked', 'alert-rules', '--limit', '1');
    expect(firstPage.err).toBe(`1 of 2 parked events; the next ones: smo processors parked alert-rules --after ${position}`);

    const retried = await smo(env, 'processors', 'retry', 'alert-rules');
    expect(retried.code).toBe(1);
    expect(retried.out).toMatch(new RegExp(`^${probe.id}\\s+Probe\\s+test-probe\\s+${position}\\s+handled\\s+1`, 'm'));
    expect(retried.out).toMatch(/^gone-event\s+Probe\s+test-probe\s+\d+\s+failed\s+0\s+Error: event gone-event is no longer at position/m);
    expect(retried.out).toMatch(/alert-rules: 1 handled, 1 failed again, 1 still parked$/);
    expect(retried.err).toBe('smo: 1 parked event of alert-rules failed again (still parked)');

    const discarded = await smo(env, 'processors', 'discard', 'alert-rules', 'gone-event', '--reason', 'its stream is gone');
    expect(discarded.code).toBe(0);
    expect(discarded.out).toBe(`Discarded Probe gone-event (test-probe, position ${position}) of alert-rules; it will not be handled`);
    expect(await smo(env, 'processors', 'retry', 'alert-rules')).toMatchObject({ code: 0, out: 'alert-rules: no parked event to retry' });
    expect(JSON.parse((await smo(env, 'processors', 'retry', 'alert-rules', '--json')).out)).toMatchObject({ handled: 0, failed: 0, unresolved: 0 });

    const unknown = await smo(env, 'processors', 'parked', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('smo: GET /admin/processors/nope/parked failed with 404: No processor named nope');
    expect((await smo(env, 'processors', 'discard', 'alert-rules')).code).toBe(2);
    expect((await smo(env, 'processors', 'parked', 'alert-rules', '--limit', '0')).code).toBe(2);
  });
});
