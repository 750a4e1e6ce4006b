import Ajv from 'ajv';
import { INVALID_SUBMISSIONS } from '../../test/fixtures/descriptors/invalid-inputs';
import { changed, CURRENT_FIXTURES, fixtureDocument, getAt, LEGACY_FIXTURE, REMOVE, type FixtureName } from '../../test/fixtures/descriptors/load';
import { HDAG_EXAMPLE, HDAG_SCHEMA } from './hdag-schema';
import { parseDescriptorBody } from './intake';
import { validateDescriptor } from './validate';

const schemaAccepts = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(HDAG_SCHEMA);
const verdicts = (document: unknown) => ({ schema: schemaAccepts(document), validator: validateDescriptor(document).ok });
const BRUSSELS: FixtureName = 'brussels-demo.upstream.hdag.yaml';

/** Brussels with the member at `pointer` replaced or removed (a list entry is spliced out: JSON has no holes). */
function brusselsWith(pointer: string, replacement: unknown): Record<string, unknown> {
  const document = fixtureDocument(BRUSSELS);
  const parentPointer = pointer.slice(0, pointer.lastIndexOf('/'));
  const parent = getAt(document, parentPointer);
  if (replacement === REMOVE && Array.isArray(parent)) {
    parent.splice(Number(pointer.slice(pointer.lastIndexOf('/') + 1)), 1);
    return document;
  }
  return changed(BRUSSELS, pointer, replacement);
}

/** Every member of a document, by RFC 6901 pointer (parents before children). */
function pointersOf(value: unknown, at = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const pointer = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return [pointer, ...pointersOf(child, pointer)];
  });
}

describe('the published HDAG 0.4.0 JSON Schema agrees with the validator', () => {
  it.each<FixtureName>([...CURRENT_FIXTURES, LEGACY_FIXTURE])('fixture %s', (name) => {
    const expected = name !== LEGACY_FIXTURE;
    expect(verdicts(fixtureDocument(name))).toEqual({ schema: expected, validator: expected });
  });

  it('on every invalid descriptor of the intake tests; only what a JSON Schema cannot say (uniqueness, PromQL\'s grammar) is the validator\'s alone', () => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const { name, body } of INVALID_SUBMISSIONS) {
      const intake = parseDescriptorBody(body);
      if (intake.kind !== 'descriptor') continue; // refused before there is a document (syntax, size, media type) or an artifact reference
      compared++;
      const { schema, validator } = verdicts(intake.document);
      expect({ name, validator }).toEqual({ name, validator: false });
      if (schema) disagreements.push(name);
    }
    expect(compared).toBeGreaterThanOrEqual(30);
    expect(disagreements).toEqual(['duplicate service ids', 'a promQuery that is not PromQL (Prometheus would refuse every rule loaded with it)']);
  });

  it('on accepted variants: string flags, unknown members, the template\'s empty connectionPoint, a WOT service with its overwrites', () => {
    const variants = [
      changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/useStaticPlacement', 'True'),
      changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/security/enabled', 'false'),
      changed(BRUSSELS, '/hdaGraph/colour', 'blue'),
      changed(BRUSSELS, '/hdaGraph/services/1/deployment/intent/network/latencies', [{ connectionPoint: '', qos: 'low' }]),
      changed(BRUSSELS, '/hdaGraph/services/0/artifact/valuesOverwrite/voChartOverwrite', { a: 1 }),
      changed(BRUSSELS, '/hdaGraph/services/1/artifact/ociImage', 'oci://registry.example:65535/team/chart:1.2.3'),
      changed(BRUSSELS, '/hdaGraph/services/1/deployment/intent/compute/injectResources', true),
      changed(BRUSSELS, '/hdaGraph/services/2/deployment/intent/scaling', { alpha: 5, beta: -0.5, maxReplicas: 1000, rateOf: 'noise-reduction' }),
      changed(BRUSSELS, '/hdaGraph/hdaGraphIntent/placementPolicy', { automatic: 'apply-within-budget', maxMoves: 0 }),
    ];
    for (const document of variants) expect(verdicts(document)).toEqual({ schema: true, validator: true });
  });

  it('on malformed extensions (intent.scaling, hdaGraphIntent.placementPolicy); a rateOf naming no service is the validator\'s alone', () => {
    const scaling = '/hdaGraph/services/2/deployment/intent/scaling';
    const policy = '/hdaGraph/hdaGraphIntent/placementPolicy';
    const malformed = [
      changed(BRUSSELS, scaling, { alpha: '5' }),
      changed(BRUSSELS, scaling, { alpha: 0 }),
      changed(BRUSSELS, scaling, { alpha: -1.5 }),
      changed(BRUSSELS, scaling, { maxReplicas: 0 }),
      changed(BRUSSELS, scaling, { maxReplicas: 1001 }),
      changed(BRUSSELS, scaling, { maxReplicas: 1.5 }),
      changed(BRUSSELS, scaling, { rateOf: '' }),
      changed(BRUSSELS, scaling, []),
      changed(BRUSSELS, policy, { automatic: 'proposee' }),
      changed(BRUSSELS, policy, { maxMoves: -1 }),
    ];
    for (const document of malformed) expect(verdicts(document)).toEqual({ schema: false, validator: false });
    expect(verdicts(changed(BRUSSELS, scaling, { rateOf: 'no-such-service' }))).toEqual({ schema: true, validator: false });
  });

  // Every member of the Brussels demo, removed or replaced by a value of each JSON type: the same verdict.
  const replacements: Array<[string, unknown]> = [
    ['removed', REMOVE],
    ['null', null],
    ['a number', 7],
    ['a string', 'x'],
    ['an empty string', ''],
    ['true', true],
    ['an empty list', []],
    ['an empty object', {}],
  ];
  it.each(replacements)('when any member of the Brussels demo is %s', (_label, replacement) => {
    const disagreements: Array<{ pointer: string; schema: boolean; validator: boolean }> = [];
    const pointers = pointersOf(fixtureDocument(BRUSSELS));
    expect(pointers.length).toBeGreaterThan(80);
    for (const pointer of pointers) {
      const { schema, validator } = verdicts(brusselsWith(pointer, replacement));
      if (schema !== validator) disagreements.push({ pointer, schema, validator });
    }
    expect(disagreements).toEqual([]);
  });

  it('accepts its own example', () => {
    expect(verdicts(HDAG_EXAMPLE)).toEqual({ schema: true, validator: true });
    expect(validateDescriptor(HDAG_EXAMPLE)).toMatchObject({ warnings: [] });
  });

  it('port and path rules of ociImage match the validator', () => {
    for (const ref of ['oci://r:0/x', 'oci://r:65536/x', 'oci://r:1/x', 'oci://r/x@sha256:' + 'a'.repeat(64), 'oci://r/A', 'oci://r/x/../y', `oci://r/${'a'.repeat(600)}`]) {
      const document = changed(BRUSSELS, '/hdaGraph/services/1/artifact/ociImage', ref);
      const { schema, validator } = verdicts(document);
      expect({ ref, schema }).toEqual({ ref, schema: validator });
    }
  });
});
