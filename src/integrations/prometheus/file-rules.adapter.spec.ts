import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { FakePrometheus } from '../../../test/fakes/prometheus/fake-prometheus';
import type { AlertRule } from './alert-rules.port';
import { FileRulesAdapter, RulesFileError } from './file-rules.adapter';
import { InMemoryRulesAdapter } from './in-memory-rules.adapter';
import { smoAlertRule } from './smo-alert-rule';

const PROMTOOL = '/usr/bin/promtool';

const rule = (name: string, expr = 'vector(1)'): AlertRule => ({
  name,
  expr,
  for: '0s',
  labels: { severity: 'critical' },
  annotations: { summary: `${name} fired` },
});

describe('FileRulesAdapter', () => {
  const prometheus = new FakePrometheus();
  let prometheusUrl: string;
  let dir: string;
  let path: string;

  beforeAll(async () => {
    prometheusUrl = await prometheus.start();
  });
  afterAll(() => prometheus.stop());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smo-rules-file-'));
    path = join(dir, 'rules.yml');
    prometheus.reloads = 0;
    prometheus.reloadReply = { status: 200, body: '' };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file with SMO’s group in the rules-file format', async () => {
    const result = await new FileRulesAdapter({ path }).upsertRules('g1', [rule('a')]);
    expect(result).toEqual({ changed: true, reloaded: false });
    const written = await readFile(path, 'utf8');
    const expected = { groups: [{ name: 'smo-alerts', rules: [{ alert: 'a', expr: 'vector(1)', for: '0s', labels: { severity: 'critical' }, annotations: { summary: 'a fired' } }] }] };
    // JSON, which is YAML: what Prometheus reads.
    expect([JSON.parse(written), parse(written)]).toEqual([expected, expected]);
  });

  it('keeps the other groups of the file and upserts without duplicates', async () => {
    const other = { name: 'node', interval: '30s', rules: [{ record: 'instance:up', expr: 'up' }] };
    await writeFile(path, `# written by hand\ngroups:\n  - ${JSON.stringify(other)}\n`);
    const rules = new FileRulesAdapter({ path });
    await rules.upsertRules('g1', [rule('a'), rule('b')]);
    expect((await rules.upsertRules('g1', [rule('a', 'vector(2)')])).changed).toBe(true);
    expect((await rules.upsertRules('g1', [rule('a', 'vector(2)')])).changed).toBe(false);
    expect(await rules.listRules()).toEqual([rule('a', 'vector(2)'), rule('b')]);
    expect((parse(await readFile(path, 'utf8')) as { groups: unknown[] }).groups[0]).toEqual(other);
  });

  it('removes by name and tolerates a missing file', async () => {
    const rules = new FileRulesAdapter({ path });
    expect(await rules.removeRules('g1', ['a'])).toEqual({ changed: false, reloaded: false });
    expect(await rules.listRules()).toEqual([]);
    expect(existsSync(path)).toBe(false);
    await rules.upsertRules('g1', [rule('a'), rule('b')]);
    expect((await rules.removeRules('g1', ['a'])).changed).toBe(true);
    expect(await rules.listRules()).toEqual([rule('b')]);
  });

  it('serialises concurrent writes in one process and leaves no temporary files', async () => {
    const rules = new FileRulesAdapter({ path });
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => rules.upsertRules('g1', [rule(name)])));
    expect((await rules.listRules()).map((r) => r.name).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(await readdir(dir)).toEqual(['rules.yml']);
  });

  it('treats an empty file as no groups and refuses files of another shape', async () => {
    await writeFile(path, '');
    expect(await new FileRulesAdapter({ path }).listRules()).toEqual([]);
    await writeFile(path, '- just\n- a list\n');
    await expect(new FileRulesAdapter({ path }).upsertRules('g1', [rule('a')])).rejects.toBeInstanceOf(RulesFileError);
    await writeFile(path, 'groups: {smo-alerts: []}\n');
    await expect(new FileRulesAdapter({ path }).listRules()).rejects.toThrow('groups is not a list');
    await writeFile(path, 'groups: [unclosed\n');
    await expect(new FileRulesAdapter({ path }).listRules()).rejects.toThrow('not valid YAML');
  });

  it('reloads Prometheus after each write and reports a failed reload without throwing', async () => {
    const rules = new FileRulesAdapter({ path, prometheusUrl });
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: true });
    // Refused whatever the file holds (the fault is elsewhere, e.g. prometheus.yml): the change stays.
    prometheus.reloadReply = { status: 500, body: 'failed to reload config: one or more errors occurred while applying the new configuration' };
    expect(await rules.removeRules('g1', ['a'])).toEqual({
      changed: true,
      reloaded: false,
      error: expect.stringContaining('HTTP 500: failed to reload config'),
    });
    expect(prometheus.reloads).toBe(3); // the change, the file as it was (refused too), and no more
    expect(await rules.listRules()).toEqual([]);
    // Not answered (Prometheus down): the change stays, to be loaded at its next start or reload.
    prometheus.reloadReply = { status: 503, body: 'starting' };
    expect(await rules.upsertRules('g1', [rule('b')])).toMatchObject({ changed: true, reloaded: false });
    expect((await rules.listRules()).map((r) => r.name)).toEqual(['b']);
  });

  it('neither writes nor reloads when the rules are already as asked (each reload has Prometheus read every rule again)', async () => {
    const rules = new FileRulesAdapter({ path, prometheusUrl });
    expect(await rules.upsertRules('g1', [rule('a'), rule('b')])).toEqual({ changed: true, reloaded: true });
    const written = await stat(path);
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: false, reloaded: false });
    expect(await rules.removeRules('g1', ['not-there'])).toEqual({ changed: false, reloaded: false });
    expect(prometheus.reloads).toBe(1);
    expect((await stat(path)).mtimeMs).toBe(written.mtimeMs);
    // A file written by hand in YAML holding the rule as asked: left as it is, comments included.
    const byHand = `# by hand\ngroups:\n  - ${JSON.stringify({ name: 'smo-alerts', rules: [{ alert: 'a', expr: 'vector(1)', for: '0s', labels: { severity: 'critical' }, annotations: { summary: 'a fired' } }] })}\n`;
    await writeFile(path, byHand);
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: false, reloaded: false });
    expect(await readFile(path, 'utf8')).toBe(byHand);
    expect(prometheus.reloads).toBe(1);
  });

  it('puts the file back as it was when Prometheus refuses it because of the change, so other graphs keep their rules', async () => {
    const rules = new FileRulesAdapter({ path, prometheusUrl });
    // Prometheus refuses the file while it holds the broken rule.
    prometheus.reloadReply = () =>
      existsSync(path) && readFileSync(path, 'utf8').includes('sum((') ? { status: 500, body: 'failed to reload config: parse error' } : { status: 200, body: '' };
    expect(await rules.upsertRules('g1', [rule('a')])).toEqual({ changed: true, reloaded: true });
    const before = await readFile(path, 'utf8');
    expect(await rules.upsertRules('g2', [rule('broken', 'sum((')])).toEqual({
      changed: false,
      reloaded: false,
      error: expect.stringContaining('HTTP 500: failed to reload config: parse error'),
      refused: true,
    });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await rules.upsertRules('g3', [rule('c')])).toEqual({ changed: true, reloaded: true });
    expect((await rules.listRules()).map((r) => r.name)).toEqual(['a', 'c']);

    // Into a file that did not exist: refused, no file is left.
    await rm(path);
    expect(await rules.upsertRules('g2', [rule('broken', 'sum((')])).toMatchObject({ refused: true });
    expect(existsSync(path)).toBe(false);
  });

  (existsSync(PROMTOOL) ? it : it.skip)('writes a file promtool accepts (a description is text, not a Go template)', async () => {
    const rules = new FileRulesAdapter({ path });
    await rules.upsertRules('g1', [
      smoAlertRule({ graphId: 'g', serviceId: 's', eventId: 'e', promQuery: 'absent(up{job="x"}) == 1', gracePeriod: '2m', description: 'a "quoted": text\nwith lines, {{ a stray brace and }} {{{ more' }),
      rule('b'),
    ]);
    const { stdout } = await promisify(execFile)(PROMTOOL, ['check', 'rules', path]);
    expect(stdout).toContain('SUCCESS: 2 rules found');
  });
});

describe('InMemoryRulesAdapter', () => {
  it('has the same upsert and remove semantics', async () => {
    const rules = new InMemoryRulesAdapter();
    expect(await rules.upsertRules('g1', [rule('a'), rule('b')])).toEqual({ changed: true, reloaded: false });
    expect((await rules.upsertRules('g1', [rule('a')])).changed).toBe(false);
    await rules.upsertRules('g1', [rule('a', 'vector(3)')]);
    await rules.removeRules('g1', ['b']);
    expect(await rules.listRules()).toEqual([rule('a', 'vector(3)')]);
    await expect(rules.upsertRules('g1', [{ ...rule('a'), name: 'no-dashes' }])).rejects.toThrow('must match');
  });
});
