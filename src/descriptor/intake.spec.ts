import { CURRENT_FIXTURES, fixtureDocument, FixtureName, fixtureText, LEGACY_FIXTURE } from '../../test/fixtures/descriptors/load';
import { DescriptorBody, parseDescriptorBody } from './intake';
import { stringify } from 'yaml';
import { YAML_MEDIA_TYPES } from './media-type';

const json = (value: unknown, contentType = 'application/json'): DescriptorBody => ({
  contentType,
  body: Buffer.from(JSON.stringify(value)),
});
const yamlBody = (text: string, contentType: string): DescriptorBody => ({ contentType, body: Buffer.from(text) });

describe('parseDescriptorBody: every accepted form', () => {
  const fixtures: FixtureName[] = [...CURRENT_FIXTURES, LEGACY_FIXTURE];

  it('a YAML graph as large as the other limits allow (999 services, ~830 KB), as YAML and in the upstream JSON-string form', () => {
    const brussels = fixtureDocument('brussels-demo.upstream.hdag.yaml') as { hdaGraph: { services: Array<Record<string, unknown>> } };
    const document = { hdaGraph: { ...brussels.hdaGraph, services: Array.from({ length: 333 }, (_, i) => brussels.hdaGraph.services.map((service) => ({ ...structuredClone(service), id: `${String(service.id)}-${i}` }))).flat() } };
    const text = stringify(document);
    expect(text.length).toBeGreaterThan(800_000);
    expect(parseDescriptorBody(yamlBody(text, 'application/yaml'))).toMatchObject({ kind: 'descriptor', document });
    expect(parseDescriptorBody(json(text))).toMatchObject({ kind: 'descriptor', document });
  });

  it.each<FixtureName>(fixtures)('%s as a JSON object {"hdaGraph": …}', (name) => {
    expect(parseDescriptorBody(json(fixtureDocument(name)))).toEqual({
      kind: 'descriptor',
      format: 'json-object',
      document: fixtureDocument(name),
    });
  });

  it.each<FixtureName>(fixtures)('%s in the upstream form: a JSON string holding the YAML text', (name) => {
    expect(parseDescriptorBody(json(fixtureText(name)))).toEqual({
      kind: 'descriptor',
      format: 'json-string',
      document: fixtureDocument(name),
    });
  });

  it.each<FixtureName>(fixtures)('%s as a JSON string holding JSON text (upstream tests post json.dumps)', (name) => {
    const result = parseDescriptorBody(json(JSON.stringify(fixtureDocument(name))));
    expect(result).toEqual({ kind: 'descriptor', format: 'json-string', document: fixtureDocument(name) });
  });

  const yamlCases = fixtures.flatMap((name) => YAML_MEDIA_TYPES.map((type): [FixtureName, string] => [name, type]));
  it.each<[FixtureName, string]>(yamlCases)('%s as a YAML body with Content-Type %s', (name, contentType) => {
    expect(parseDescriptorBody(yamlBody(fixtureText(name), contentType))).toEqual({
      kind: 'descriptor',
      format: 'yaml',
      document: fixtureDocument(name),
    });
  });

  it('accepts media-type parameters and case: "Application/JSON; charset=UTF-8"', () => {
    const result = parseDescriptorBody(json(fixtureDocument('resilience.hdag.yaml'), 'Application/JSON; charset="UTF-8"'));
    expect(result.kind).toBe('descriptor');
  });

  it('strips a UTF-8 byte-order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fixtureText('resilience.hdag.yaml'))]);
    expect(parseDescriptorBody({ contentType: 'application/yaml', body }).kind).toBe('descriptor');
  });

  it('reads {"artifact": "<ref>"} as an artifact reference, in JSON and in YAML', () => {
    const ref = 'http://10.0.3.53:5000/test/image-detection-graph';
    expect(parseDescriptorBody(json({ artifact: ref }))).toEqual({ kind: 'artifact', ref });
    expect(parseDescriptorBody(yamlBody(`artifact: ${ref}\n`, 'text/yaml'))).toEqual({ kind: 'artifact', ref });
  });

  it('keeps a "__proto__" member as plain data', () => {
    const result = parseDescriptorBody({
      contentType: 'application/json',
      body: Buffer.from('{"hdaGraph": {}, "__proto__": {"polluted": true}}'),
    });
    expect(result.kind).toBe('descriptor');
    const document = result.kind === 'descriptor' ? (result.document as object) : {};
    expect(Object.getPrototypeOf(document)).toBe(Object.prototype);
    expect(Object.keys(document)).toEqual(['hdaGraph', '__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('honours a configured body limit', () => {
    const body = json(fixtureDocument('resilience.hdag.yaml'));
    expect(parseDescriptorBody(body, { maxBodyBytes: 100 })).toMatchObject({ kind: 'rejected', status: 413 });
  });
});
