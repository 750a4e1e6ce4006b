import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';
import { descriptorText } from '../support/graph-fixtures';
import { eventually } from '../support/smo-process';
import { DurableProcessing } from '../../src/app/processing.composition';

const RULE = 'smo_image_detection_graph__image_compression_vo__main_event';

const alertRulesState = async (app: RunningApp) => (await app.runtime.processing.report()).find((runner) => runner.name === 'alert-rules')?.state;

/**
 * Two SMO instances over one store and one rules file (in-process): only the holder of the alert-rules processor's
 * lease writes the file, its clean-up of rules no graph has included; an instance standing by wrote it at its start.
 */
describe('the alert rules at start, with two instances over one store', () => {
  const apps: RunningApp[] = [];
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smo-rules-writer-'))));
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close({ keepData: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('the standby leaves the rules file alone; the instance that takes the lease over takes away the rules of a stopped graph', async () => {
    const rulesFile = join(dir, 'rules.json');
    const env = { SMO_LEASE_TTL: '2', SMO_ALERT_RULES: 'rules-file', SMO_RULES_FILE: rulesFile };
    const first = await startApp(env, { dataDir: join(dir, 'data') });
    apps.push(first);
    await first.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
    const deploy = await fetch(`${first.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
    expect(deploy.status).toBe(200);
    await first.runtime.processing.whenIdle();
    const withRule = readFileSync(rulesFile, 'utf8');
    expect(withRule).toContain(RULE);
    expect((await fetch(`${first.url}/graphs/image-detection-graph/stop`, { method: 'POST' })).status).toBe(200);
    await first.runtime.processing.whenIdle();
    expect(readFileSync(rulesFile, 'utf8')).not.toContain(RULE);
    // The stopped graph's rule back in the file, as an earlier SMO run after a rollback leaves it.
    writeFileSync(rulesFile, withRule);

    const second = await startApp(env, { dataDir: first.dataDir });
    apps.push(second);
    await eventually(async () => (await alertRulesState(second)) === 'standby' || undefined, 10_000, 'the second instance to stand by');
    // It wrote the file right after its start (its clean-up ran at once, no lease asked).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(readFileSync(rulesFile, 'utf8')).toBe(withRule);

    await apps.shift()!.close({ keepData: true });
    await eventually(async () => (await alertRulesState(second)) === 'running' || undefined, 10_000, 'the second instance to take the lease');
    await eventually(async () => !readFileSync(rulesFile, 'utf8').includes(RULE) || undefined, 5_000, "the new holder's clean-up");
  }, 60_000);
});
