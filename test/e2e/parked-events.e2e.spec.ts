import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';

const OPERATE = 'operate-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef0123';

interface ParkedPage {
  processor: string;
  total: number;
  events: Array<{ eventId: string; eventType: string; streamId: string; position: number; attempts: number; error: string; parkedAt: string }>;
  next: string | null;
}

/**
 * The alert-rules processor's removal of a removed graph's rules fails while the rules file is unusable
 * (a directory stands at its path) past the retries, and is parked. The parked event survives a restart
 * (/health counts it), is listed, and a retry once the file is back takes the rules away. (Had the file been
 * back before the restart, the start's clean-up would have taken them away first: alert-rules-rollback.e2e.)
 */
describe('parked events: list, retry and discard through the admin API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smo-parked-'));
  const dataDir = join(dir, 'data');
  const rulesFile = join(dir, 'rules.json');
  const env = { SMO_ALERT_RULES: 'rules-file', SMO_RULES_FILE: rulesFile, SMO_API_TOKENS: `${OPERATE}:operate,${READ}:read`, SMO_DEPLOY_WAIT: '20' };
  let smo: RunningApp;
  const call = (method: string, path: string, token = OPERATE, init: RequestInit = {}) => fetch(`${smo.url}${path}`, { method, ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await response).json() as Promise<T>;
  const alertRules = async (token = OPERATE) => (await json<Array<{ name: string; parkedEvents: number; state: string; lag: number; processedPosition: number }>>(call('GET', '/admin/processors', token))).find((p) => p.name === 'alert-rules');

  beforeAll(async () => {
    mkdirSync(dataDir);
    smo = await startApp(env, { dataDir });
  });
  afterAll(async () => {
    await smo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parks the failed removal, counts it after a restart, and a retry once the file is back removes the rules', async () => {
    const deployed = await call('POST', '/project/demo/graphs', OPERATE, { body: descriptorText(), headers: { 'content-type': 'application/yaml' } });
    expect(deployed.status).toBe(200);
    await eventually(async () => readFileSync(rulesFile, 'utf8').includes('image_detection_graph') || undefined, 20_000, 'the rules of the graph');

    // The rules file is unusable until the removal is parked (5 attempts, about 3 s).
    renameSync(rulesFile, `${rulesFile}.away`);
    mkdirSync(rulesFile);
    expect((await call('DELETE', '/graphs/image-detection-graph')).status).toBeLessThan(300);
    await eventually(async () => ((await alertRules())?.parkedEvents === 1 ? true : undefined), 30_000, 'the removal parked');

    // A restart: the count is the store's, not this process's. The file is still unusable, so the start's own
    // clean-up of rules no running graph wants (reconcileStoredRules) cannot take them away either.
    await smo.close({ keepData: true });
    smo = await startApp(env, { dataDir });
    await smo.runtime.processing.whenIdle(20_000);
    const health = await json<{ status: string; processing: Array<{ name: string; kind: string; parkedEvents: number }> }>(call('GET', '/health'));
    expect(health.processing.find((p) => p.name === 'alert-rules')).toMatchObject({ kind: 'processor', parkedEvents: 1 });
    expect(health.status).toBe('degraded');
    expect(await alertRules(READ)).toMatchObject({ parkedEvents: 1, state: 'running', lag: expect.any(Number), processedPosition: expect.any(Number) });

    const page = await json<ParkedPage>(call('GET', '/admin/processors/alert-rules/parked?limit=10', READ));
    expect(page).toMatchObject({ processor: 'alert-rules', total: 1, next: null });
    expect(page.events[0]).toMatchObject({ eventType: 'GraphRemoved', streamId: 'graph-image-detection-graph', attempts: 5, error: expect.stringContaining('EISDIR'), parkedAt: expect.any(String) });

    // Retrying and discarding change state: a read token may not.
    const forbidden = await call('POST', '/admin/processors/alert-rules/parked/retry', READ);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('POST', `/admin/processors/alert-rules/parked/${page.events[0]!.eventId}/discard`, READ)).status).toBe(403);

    // The file is back, with the removed graph's rules still in it.
    rmdirSync(rulesFile);
    renameSync(`${rulesFile}.away`, rulesFile);
    expect(readFileSync(rulesFile, 'utf8')).toContain('image_detection_graph');

    const retried = await call('POST', '/admin/processors/alert-rules/parked/retry');
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ processor: 'alert-rules', handled: 1, failed: 0, unresolved: 0, results: [{ eventId: page.events[0]!.eventId, outcome: 'handled' }] });
    expect(readFileSync(rulesFile, 'utf8')).not.toContain('image_detection_graph');
    expect((await alertRules())?.parkedEvents).toBe(0);
    expect((await json<ParkedPage>(call('GET', '/admin/processors/alert-rules/parked'))).total).toBe(0);
    // Nothing left: a second retry does nothing, the resolved event cannot be discarded or retried by id.
    expect(await json(call('POST', '/admin/processors/alert-rules/parked/retry'))).toMatchObject({ handled: 0, failed: 0, results: [] });
    expect((await call('POST', `/admin/processors/alert-rules/parked/${page.events[0]!.eventId}/discard`)).status).toBe(404);
    expect((await call('POST', `/admin/processors/alert-rules/parked/retry?eventId=${page.events[0]!.eventId}`)).status).toBe(404);
  }, 120_000);

  it('discards a parked event without handling it, recording who and why', async () => {
    // Another parked event (recorded as the runner records one), which an operator decides to drop.
    const [removed] = await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['GraphRemoved'] }, maxCount: 1 });
    const before = readFileSync(rulesFile, 'utf8');
    await smo.runtime.eventStore.appendToStream('parked-processor:alert-rules', [
      { id: 'c6f1a1de-0000-4000-8000-000000000001', type: 'EventParked', data: { runner: 'processor:alert-rules', eventId: removed!.id, eventType: removed!.type, streamId: removed!.streamId, position: removed!.position, attempts: 5, error: 'Error: test' } },
    ]);
    const page = await json<ParkedPage>(call('GET', '/admin/processors/alert-rules/parked'));
    expect(page.total).toBe(1);
    const discarded = await call('POST', `/admin/processors/alert-rules/parked/${page.events[0]!.eventId}/discard?reason=${encodeURIComponent('handled by hand')}`);
    expect(discarded.status).toBe(200);
    expect(await discarded.json()).toMatchObject({ processor: 'alert-rules', resolution: 'discarded', by: 'api', reason: 'handled by hand', event: { eventId: removed!.id } });
    expect((await alertRules())?.parkedEvents).toBe(0);
    expect(readFileSync(rulesFile, 'utf8')).toBe(before);
    const [resolution] = await smo.runtime.eventStore.readStream('parked-processor:alert-rules', { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    expect(resolution).toMatchObject({ type: 'ParkedEventResolved', data: { resolution: 'discarded', by: 'api', reason: 'handled by hand' }, metadata: { actor: 'api', correlationId: expect.any(String) } });
  });

  it('answers 404 problem+json for an unknown processor, 400 for a bad limit', async () => {
    for (const [method, path] of [
      ['GET', '/admin/processors/nope/parked'],
      ['POST', '/admin/processors/nope/parked/retry'],
      ['POST', '/admin/processors/nope/parked/some-event/discard'],
    ] as const) {
      const response = await call(method, path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404, detail: 'No processor named nope' });
    }
    expect((await call('GET', '/admin/processors/alert-rules/parked?limit=0')).status).toBe(400);
  });
});
