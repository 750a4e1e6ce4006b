import { changed, CURRENT_FIXTURES, fixtureDocument, getAt, LEGACY_FIXTURE, setAt } from '../../test/fixtures/descriptors/load';
import { validateDescriptor } from './validate';
import { scalingParameters } from '../processors/scaling-parameters';
import { placementPolicy } from '../domain/graph/placement-policy';
import type { ExistingGraph } from '../domain/graph/state';

const services = '/hdaGraph/services';
/** Has no warnings of its own, so each test sees only the warnings it provokes. */
const BRUSSELS = 'brussels-demo.upstream.hdag.yaml';

describe('validateDescriptor', () => {
  it.each(CURRENT_FIXTURES)('accepts %s', (name) => {
    const result = validateDescriptor(fixtureDocument(name));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.descriptor.hdaGraph.imVersion).toBe('0.4.0');
  });

  it('accepts the upstream Brussels demo without any warning', () => {
    expect(validateDescriptor(fixtureDocument(BRUSSELS))).toMatchObject({ ok: true, warnings: [] });
  });

  it('warns about connectionPoints misplaced under intent.network (gpu-offloading) but accepts it', () => {
    const result = validateDescriptor(fixtureDocument('gpu-offloading.hdag.yaml'));
    expect(result.ok).toBe(true);
    expect(result.warnings.map((warning) => warning.pointer)).toEqual([
      `${services}/0/deployment/intent/network/connectionPoints`,
      `${services}/1/deployment/intent/network/connectionPoints`,
    ]);
  });

  it('rejects the legacy imVersion 0.3.0 descriptor, naming the version and the missing compute block', () => {
    const result = validateDescriptor(fixtureDocument(LEGACY_FIXTURE));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPointer = new Map(result.problems.map((problem) => [problem.pointer, problem.message]));
    expect(byPointer.get('/hdaGraph/imVersion')).toMatch(/imVersion "0\.3\.0".*not accepted.*"0\.4\.0".*"deployment\.intent\.compute"/);
    for (const index of [0, 1, 2]) {
      expect(byPointer.get(`${services}/${index}/deployment/intent/compute`)).toMatch(/"compute" is required.*0\.3\.0.*intent\.resources/);
      expect(byPointer.get(`${services}/${index}/deployment/intent/network`)).toMatch(/must be an object/);
    }
    expect(byPointer.get('/hdaGraph/hdaGraphIntent')).toMatch(/must be an object \(got a string\)/);
    expect(result.warnings.map((warning) => warning.pointer)).toContain(`${services}/0/deployment/intent/resources`);
  });

  it('reports every problem at once', () => {
    const document = changed(BRUSSELS, `${services}/1/deployment/intent/compute/cpu`, 'huge');
    const graph = document['hdaGraph'] as Record<string, unknown>;
    graph['id'] = 'Not A Label';
    graph['version'] = '1.0';
    const result = validateDescriptor(document);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((problem) => problem.pointer)).toEqual([
        '/hdaGraph/id',
        '/hdaGraph/version',
        `${services}/1/deployment/intent/compute/cpu`,
      ]);
    }
  });

  it('lists at most 100 problems, then says how many more there are', () => {
    const result = validateDescriptor(changed(BRUSSELS, '/hdaGraph/services', Array.from({ length: 1000 }, () => ({}))));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(101);
    expect(result.problems[0]).toEqual({ pointer: '/hdaGraph/services/0/id', message: '"id" is required' });
    expect(result.problems[100]).toEqual({ pointer: '', message: '2900 more problems not listed' });
  });

  it('refuses lists longer than 1000 entries without looking into them', () => {
    const result = validateDescriptor(changed(BRUSSELS, '/hdaGraph/services', Array.from({ length: 300_000 }, () => ({}))));
    // One problem: none of the 300,000 entries (each lacking its id) was looked into.
    expect(result).toEqual({
      ok: false,
      problems: [{ pointer: '/hdaGraph/services', message: '"services" must list at most 1000 entries (got 300000)' }],
      warnings: [],
    });
  });

  describe('warnings, not failures', () => {
    it('a connection point naming no service of the graph (upstream ignores it)', () => {
      const result = validateDescriptor(changed(BRUSSELS, `${services}/2/deployment/intent/connectionPoints`, ['elsewhere']));
      expect(result.ok).toBe(true);
      expect(result.warnings).toEqual([
        {
          pointer: `${services}/2/deployment/intent/connectionPoints/0`,
          message: 'connection point "elsewhere" names no service of this graph; it is ignored',
        },
      ]);
    });

    it('a connection point naming the service itself, or listed twice', () => {
      const document = changed(BRUSSELS, `${services}/2/deployment/intent/connectionPoints`, ['image-detection', 'image-detection']);
      const messages = validateDescriptor(document).warnings.map((warning) => warning.message);
      expect(messages).toEqual([
        'connection point "image-detection" names the service itself',
        'connection point "image-detection" names the service itself',
        'connection point "image-detection" is listed twice',
      ]);
    });

    it('an unknown dependency and an unknown latency target', () => {
      const document = changed(BRUSSELS, `${services}/2/deployment/trigger/auto/dependencies`, ['ghost']);
      setAt(document, `${services}/2/deployment/intent/network/latencies/0`, { connectionPoint: 'phantom', qos: 'low' });
      const result = validateDescriptor(document);
      expect(result.ok).toBe(true);
      expect(result.warnings.map((warning) => warning.message)).toEqual([
        'dependency "ghost" names no service of this graph; it is ignored',
        'latency target "phantom" names no service of this graph; it is ignored',
      ]);
    });

    it('a service id starting with a digit (Kubernetes Service names must start with a letter)', () => {
      const result = validateDescriptor(changed(BRUSSELS, `${services}/2/id`, '1st-service'));
      expect(result.ok).toBe(true);
      expect(result.warnings.map((warning) => warning.pointer)).toEqual([
        `${services}/2/id`,
        `${services}/1/deployment/intent/connectionPoints/0`,
      ]);
    });

  });

  describe('flags accept booleans and "True"/"False" strings (B7)', () => {
    it.each([true, false, 'True', 'False', 'true', 'false'])('useStaticPlacement and gpu.enabled = %p', (value) => {
      let document = changed('gpu-offloading.hdag.yaml', '/hdaGraph/hdaGraphIntent/useStaticPlacement', value);
      expect(validateDescriptor(document).ok).toBe(true);
      document = changed('gpu-offloading.hdag.yaml', `${services}/1/deployment/intent/compute/gpu/enabled`, value);
      expect(validateDescriptor(document).ok).toBe(true);
    });

    it.each(['yes', 1, null, 'TRUE '])('rejects %p', (value) => {
      const result = validateDescriptor(changed('gpu-offloading.hdag.yaml', `${services}/1/deployment/intent/compute/gpu/enabled`, value));
      expect(result).toMatchObject({ ok: false, problems: [{ pointer: `${services}/1/deployment/intent/compute/gpu/enabled` }] });
    });
  });

  it('keeps unknown fields in the returned descriptor', () => {
    const document = changed(BRUSSELS, '/hdaGraph/x-owner', 'team-a');
    const result = validateDescriptor(document);
    expect(result.ok && result.descriptor.hdaGraph['x-owner']).toBe('team-a');
    expect(result.warnings).toEqual([
      { pointer: '/hdaGraph/x-owner', message: '"x-owner" is not a field of information model 0.4.0 here; it is kept but ignored' },
    ]);
  });

  it("refuses a gracePeriod Prometheus cannot hold (over 2^63 ns, about 292 years), which had failed the whole rules file", () => {
    const gracePeriod = `${services}/0/deployment/trigger/event/events/0/condition/gracePeriod`;
    for (const value of ['292y', '106751d23h', '9223372036854ms', '0']) expect(validateDescriptor(changed(BRUSSELS, gracePeriod, value)).ok).toBe(true);
    for (const value of ['293y', '292y53w', '106752d', '9223372036855ms', '99999999999999999999y']) {
      expect(validateDescriptor(changed(BRUSSELS, gracePeriod, value))).toMatchObject({ ok: false, problems: [{ pointer: gracePeriod, message: expect.stringContaining('292') }] });
    }
  });

  it('event.condition ALL with several events is accepted without a warning (SMO waits for all of them); another value is taken as ANY, with a warning', () => {
    const trigger = `${services}/0/deployment/trigger/event`;
    const event = getAt(fixtureDocument(BRUSSELS), `${trigger}/events/0`) as Record<string, unknown>;
    const two = setAt(changed(BRUSSELS, `${trigger}/condition`, 'ALL'), `${trigger}/events`, [event, { ...event, id: 'second-event' }]);
    const result = validateDescriptor(two);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(validateDescriptor(changed(BRUSSELS, `${trigger}/condition`, 'ALL')).warnings).toEqual([]);
    const other = validateDescriptor(changed(BRUSSELS, `${trigger}/condition`, 'EVERY'));
    expect(other.ok).toBe(true);
    expect(other.warnings).toEqual([{ pointer: `${trigger}/condition`, message: expect.stringContaining('SMO treats it as ANY') }]);
  });

  it('an event id used by two services is accepted without a warning (their alert rules are named per service, B19); twice in one service it is refused', () => {
    const shared = fixtureDocument(BRUSSELS);
    setAt(shared, `${services}/1/deployment/trigger`, getAt(shared, `${services}/0/deployment/trigger`));
    expect(validateDescriptor(shared)).toMatchObject({ ok: true, warnings: [] });

    const events = `${services}/0/deployment/trigger/event/events`;
    const event = getAt(fixtureDocument(BRUSSELS), `${events}/0`);
    expect(validateDescriptor(changed(BRUSSELS, events, [event, event]))).toMatchObject({
      ok: false,
      problems: [{ pointer: `${events}/1/id`, message: 'duplicate event id "main-event" in this service (alert names must differ)' }],
    });
  });

  describe('placement intents', () => {
    it('coLocation lists service ids: an unknown one is a warning, a non-string a problem', () => {
      const ok = validateDescriptor(changed(BRUSSELS, `${services}/1/deployment/intent/coLocation`, ['image-detection', 'ghost']));
      expect(ok.ok).toBe(true);
      expect(ok.warnings).toEqual([{ pointer: `${services}/1/deployment/intent/coLocation/1`, message: 'coLocation partner "ghost" names no service of this graph; it is ignored' }]);
      const bad = validateDescriptor(changed(BRUSSELS, `${services}/1/deployment/intent/coLocation`, [{ id: 'image-detection' }]));
      expect(bad).toMatchObject({ ok: false, problems: [{ pointer: `${services}/1/deployment/intent/coLocation/0`, message: 'a coLocation entry must be a service id (string)' }] });
    });

    it('a per-service highAvailability override is a flag object', () => {
      const ok = validateDescriptor(changed(BRUSSELS, `${services}/1/deployment/intent/highAvailability`, { enabled: 'True' }));
      expect(ok).toMatchObject({ ok: true, warnings: [] });
      const bad = validateDescriptor(changed(BRUSSELS, `${services}/1/deployment/intent/highAvailability`, { enabled: 'maybe' }));
      expect(bad).toMatchObject({ ok: false, problems: [{ pointer: `${services}/1/deployment/intent/highAvailability/enabled` }] });
    });
  });

  it('accepts the injectResources extension only as a boolean', () => {
    expect(validateDescriptor(changed('resilience.hdag.yaml', '/hdaGraph/hdaGraphIntent/injectResources', true)).ok).toBe(true);
    const result = validateDescriptor(changed('resilience.hdag.yaml', `${services}/0/deployment/intent/compute/injectResources`, 'True'));
    expect(result).toMatchObject({ ok: false, problems: [{ pointer: `${services}/0/deployment/intent/compute/injectResources` }] });
  });

  describe('the extensions SMO reads: intent.scaling and hdaGraphIntent.placementPolicy', () => {
    const scalingAt = `${services}/2/deployment/intent/scaling`;
    const policyAt = '/hdaGraph/hdaGraphIntent/placementPolicy';
    const withExtensions = (scaling: unknown, policy: unknown) => {
      const document = changed(BRUSSELS, scalingAt, scaling);
      return setAt(document, policyAt, policy) as { hdaGraph: Record<string, unknown> };
    };
    const recorded = (document: { hdaGraph: Record<string, unknown> }) => ({ descriptor: document.hdaGraph }) as unknown as ExistingGraph;

    it('valid values are accepted with no warning, and the readers use them', () => {
      const document = withExtensions({ alpha: 5, beta: 0, maxReplicas: 7, rateOf: 'noise-reduction' }, { automatic: 'propose', maxMoves: 1 });
      // Before: two warnings '"scaling" / "placementPolicy" is not a field of information model 0.4.0 here; it is kept but ignored'.
      expect(validateDescriptor(document)).toMatchObject({ ok: true, warnings: [] });
      expect(scalingParameters(recorded(document), 'image-detection')).toEqual({ alpha: 5, beta: 0, maxReplicas: 7, rateOf: 'noise-reduction' });
      expect(placementPolicy(document.hdaGraph)).toEqual({ automatic: 'propose', maxMoves: 1 });
      // Each member is optional; the bounds are included.
      expect(validateDescriptor(withExtensions({ maxReplicas: 1000 }, { maxMoves: 0 }))).toMatchObject({ ok: true, warnings: [] });
      expect(validateDescriptor(withExtensions({ maxReplicas: 1, beta: -16.66 }, { automatic: 'apply-within-budget' }))).toMatchObject({ ok: true, warnings: [] });
      // An unknown member inside them is a warning, as elsewhere.
      expect(validateDescriptor(withExtensions({ alpah: 5 }, {})).warnings).toEqual([{ pointer: `${scalingAt}/alpah`, message: expect.stringContaining('kept but ignored') }]);
    });

    it('malformed values are refused under their pointers, not silently replaced by defaults', () => {
      // Before: accepted; alpha fell back to 1.67, maxReplicas to 3, rateOf read a series that never exists, the policy to 'apply'.
      const result = validateDescriptor(withExtensions({ alpha: '5', beta: null, maxReplicas: 0, rateOf: 'no-such-service' }, { automatic: 'proposee', maxMoves: -1 }));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual(
        expect.arrayContaining([
          { pointer: `${scalingAt}/alpha`, message: '"alpha" must be a finite number (got "5")' },
          { pointer: `${scalingAt}/beta`, message: '"beta" must be a finite number (got null)' },
          { pointer: `${scalingAt}/maxReplicas`, message: '"maxReplicas" must be an integer from 1 to 1000 (got 0)' },
          { pointer: `${scalingAt}/rateOf`, message: '"rateOf" must be a service id of this graph (got "no-such-service", which names none)' },
          { pointer: `${policyAt}/automatic`, message: '"automatic" must be one of apply, propose, apply-within-budget (got "proposee")' },
          { pointer: `${policyAt}/maxMoves`, message: '"maxMoves" must be an integer ≥ 0 (got -1)' },
        ]),
      );
      expect(result.problems).toHaveLength(6);
      const refused = (scaling: unknown, policy: unknown) => {
        const verdict = validateDescriptor(withExtensions(scaling, policy));
        return verdict.ok ? [] : verdict.problems.map((problem) => problem.pointer);
      };
      expect(refused({ maxReplicas: 1001 }, {})).toEqual([`${scalingAt}/maxReplicas`]);
      // alpha·r + beta grows with r only for alpha > 0: else no replica count serves a rate above beta.
      expect(refused({ alpha: 0 }, {})).toEqual([`${scalingAt}/alpha`]);
      expect(refused({ alpha: -2 }, {})).toEqual([`${scalingAt}/alpha`]);
      expect(refused({ maxReplicas: 2.5 }, {})).toEqual([`${scalingAt}/maxReplicas`]);
      expect(refused({ rateOf: '' }, { maxMoves: 1.5 })).toEqual([`${policyAt}/maxMoves`, `${scalingAt}/rateOf`]);
      expect(refused('fast', 'propose')).toEqual([policyAt, scalingAt]);
    });

    it('a graph recorded before the validator checked them: each malformed member reads as its default', () => {
      const document = withExtensions({ alpha: '5', beta: 2, maxReplicas: 0, rateOf: 'no-such-service' }, { automatic: 'proposee', maxMoves: -1 });
      expect(scalingParameters(recorded(document), 'image-detection')).toEqual({ alpha: 1.67, beta: 2, maxReplicas: 3, rateOf: 'image-detection' });
      expect(placementPolicy(document.hdaGraph)).toEqual({ automatic: 'apply', maxMoves: null });
    });
  });
});
