import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CURRENT_FIXTURES, fixtureDocument, FixtureName, fixtureText, LEGACY_FIXTURE } from '../../test/fixtures/descriptors/load';
import { HdarctlArtifactResolver } from './artifact';
import { DescriptorBody } from './intake';
import { MAX_GRAPH_ALERT_RULE_BYTES, serviceAlertRules, storedAlertRuleBytes } from '../integrations/prometheus/smo-alert-rule';
import { receiveGraphSubmission, SubmissionDependencies, type PromqlCheck } from './submission';

const FAKE_HDARCTL = join(__dirname, '../../test/fixtures/fake-hdarctl/hdarctl');
const REF = 'http://10.0.3.53:5000/test/graph';

type Form = 'json-object' | 'json-string' | 'application/yaml' | 'application/x-yaml' | 'text/yaml' | 'artifact';
const FORMS: Form[] = ['json-object', 'json-string', 'application/yaml', 'application/x-yaml', 'text/yaml', 'artifact'];

function bodyOf(name: FixtureName, form: Form): DescriptorBody {
  if (form === 'json-object') return { contentType: 'application/json', body: Buffer.from(JSON.stringify(fixtureDocument(name))) };
  if (form === 'json-string') return { contentType: 'application/json', body: Buffer.from(JSON.stringify(fixtureText(name))) };
  if (form === 'artifact') return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ artifact: REF })) };
  return { contentType: form, body: Buffer.from(fixtureText(name)) };
}

let scratch: string;
beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), 'smo-submission-'))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** For the artifact form, a fake hdarctl whose artifact holds the fixture as hdag/hdag.yaml. */
function dependenciesFor(name: FixtureName): SubmissionDependencies {
  const artifacts = new HdarctlArtifactResolver({
    binary: FAKE_HDARCTL,
    timeoutMs: 10_000,
    maxDescriptorBytes: 1024 * 1024,
    env: {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: scratch,
      FAKE_HDARCTL_FILES: JSON.stringify({ 'graph/hdag/hdag.yaml': fixtureText(name) }),
    },
    tempRoot: scratch,
  });
  return { artifacts };
}

const cases = CURRENT_FIXTURES.flatMap((name) => FORMS.map((form): [FixtureName, Form] => [name, form]));

describe('receiveGraphSubmission', () => {
  it.each(cases)('accepts %s sent as %s', async (name, form) => {
    const outcome = await receiveGraphSubmission(bodyOf(name, form), dependenciesFor(name));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
    const { submission } = outcome;
    const expectedSource = form === 'artifact' ? { form, ref: REF } : { form: form.includes('yaml') ? 'yaml' : form };
    expect(submission.source).toEqual(expectedSource);
    expect(submission.received).toEqual(fixtureDocument(name));
    expect(submission.descriptor).toEqual(fixtureDocument(name));
    expect(submission.normalised.id).toBe((fixtureDocument(name)['hdaGraph'] as { id: string }).id);
    expect(JSON.parse(JSON.stringify(submission))).toEqual(submission);
  });

  it.each(FORMS)('rejects the legacy imVersion 0.3.0 descriptor sent as %s, naming version and compute', async (form) => {
    const outcome = await receiveGraphSubmission(bodyOf(LEGACY_FIXTURE, form), dependenciesFor(LEGACY_FIXTURE));
    expect(outcome).toMatchObject({ ok: false, status: 400 });
    const messages = outcome.ok ? [] : outcome.problems.map((problem) => `${problem.pointer} ${problem.message}`);
    expect(messages[0]).toMatch(/^\/hdaGraph\/imVersion imVersion "0\.3\.0" .*"deployment\.intent\.compute"/);
  });

  it('passes normalisation options through (B27 configuration flag)', async () => {
    const outcome = await receiveGraphSubmission(bodyOf('resilience.hdag.yaml', 'application/yaml'), {
      ...dependenciesFor('resilience.hdag.yaml'),
      normalise: { injectResourcesByDefault: true },
    });
    expect(outcome.ok && outcome.submission.normalised.services[0]?.helmValues).toEqual({
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
  });

  it('maps artifact failures to their status', async () => {
    const failing = new HdarctlArtifactResolver({
      binary: FAKE_HDARCTL,
      timeoutMs: 10_000,
      maxDescriptorBytes: 1024,
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: scratch, FAKE_HDARCTL_MODE: 'fail' },
      tempRoot: scratch,
    });
    const outcome = await receiveGraphSubmission(bodyOf('resilience.hdag.yaml', 'artifact'), { artifacts: failing });
    expect(outcome).toMatchObject({ ok: false, status: 502, problems: [{ pointer: '/artifact' }] });
  });
});

describe('a graph whose alerting rules would not fit one PrometheusRule', () => {
  /** The demo graph with its conditional service waiting for `count` events of long descriptions. */
  const withEvents = (count: number, description: string) => {
    const document = structuredClone(fixtureDocument('brussels-demo.upstream.hdag.yaml')) as { hdaGraph: { services: Array<{ deployment: { trigger: { event: { events: unknown[] } } } }> } };
    const [first] = document.hdaGraph.services[0]!.deployment.trigger.event.events as Array<Record<string, unknown>>;
    document.hdaGraph.services[0]!.deployment.trigger.event.events = Array.from({ length: count }, (_, i) => ({
      ...first,
      id: `event-${i}`,
      condition: { promQuery: `sum(rate(http_requests_total[1m])) > ${i}`, gracePeriod: '1m', description },
    }));
    return { contentType: 'application/json', body: Buffer.from(JSON.stringify(document)) };
  };
  const submit = (body: DescriptorBody) => receiveGraphSubmission(body, dependenciesFor('brussels-demo.upstream.hdag.yaml'));
  const rulesOf = (outcome: Awaited<ReturnType<typeof submit>>) =>
    outcome.ok ? outcome.submission.normalised.services.flatMap((service) => serviceAlertRules(outcome.submission.normalised.id, service, 1)) : [];

  it('is refused with 400 naming the events of the service that crosses the limit, though its descriptor is well under the body limit', async () => {
    const accepted = await submit(withEvents(250, 'd'.repeat(1500)));
    expect(accepted.ok).toBe(true);
    expect(storedAlertRuleBytes(rulesOf(accepted))).toBeLessThanOrEqual(MAX_GRAPH_ALERT_RULE_BYTES);

    const body = withEvents(400, 'd'.repeat(1500));
    expect(body.body.length).toBeLessThan(1024 * 1024);
    const refused = await submit(body);
    expect(refused).toMatchObject({ ok: false, status: 400 });
    expect(refused.ok ? [] : refused.problems).toEqual([
      { pointer: '/hdaGraph/services/0/deployment/trigger/event/events', message: expect.stringContaining('share one PrometheusRule') },
    ]);
    // One event whose description alone is too long.
    expect(await submit(withEvents(1, 'd'.repeat(600_000)))).toMatchObject({ ok: false, status: 400 });
  });
});

describe("events' queries parsed by Prometheus (checkPromql, with PROMETHEUS_HOST)", () => {
  const body = bodyOf('brussels-demo.upstream.hdag.yaml', 'application/yaml');
  const pointer = '/hdaGraph/services/0/deployment/trigger/event/events/0/condition/promQuery';

  it('refuses with 400 naming the query Prometheus refuses, and accepts when Prometheus does not say (unreachable, older than 2.38)', async () => {
    const asked: string[] = [];
    const refusing: PromqlCheck = async (promql) => (asked.push(promql), { ok: false, refused: 'expected type range vector' });
    expect(await receiveGraphSubmission(body, { ...dependenciesFor('brussels-demo.upstream.hdag.yaml'), checkPromql: refusing })).toEqual({
      ok: false,
      status: 400,
      problems: [{ pointer, message: 'Prometheus refuses this query: expected type range vector' }],
    });
    expect(asked).toHaveLength(1);
    const silent: PromqlCheck = async () => ({ ok: false, unknown: 'cannot reach Prometheus' });
    expect(await receiveGraphSubmission(body, { ...dependenciesFor('brussels-demo.upstream.hdag.yaml'), checkPromql: silent })).toMatchObject({ ok: true });
  });
});
