/**
 * Every request example of the OpenAPI document validates against the schema the document gives for
 * that body (generated from the DTO classes that validate it), and the route accepts it. The HDAG
 * descriptor's own JSON Schema is served where the deploy operation says.
 */
import Ajv from 'ajv';
import { startNfvclRig, type NfvclRig } from '../support/nfvcl-rig';

interface Operation {
  requestBody?: { content: Record<string, { schema: Record<string, unknown>; examples?: Record<string, { value: unknown }> }> };
  externalDocs?: { url: string };
}
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

/** Values for the path parameters of the operations that have examples (the deploy example's graph, the VIM example's area). */
const PARAMETERS: Record<string, string> = { project: 'demo', name: 'image-detection-graph' };
/** The order the examples build on each other: the VIM before the cluster on it, the graph before its replay. */
const ORDER = ['/vims/smo_vims', '/os_k8s/clusters', '/project/{project}/graphs', '/graphs/{name}/placements/replay', '/graphs/{name}/placements/replay', '/placement/plan', '/alerts'];

describe('the OpenAPI request examples', () => {
  let rig: NfvclRig;
  let spec: Document;
  beforeAll(async () => {
    rig = await startNfvclRig();
    spec = (await (await rig.request('GET', '/smo-api-spec.json')).json()) as Document;
  });
  afterAll(async () => rig.stop());

  const examples = () =>
    Object.entries(spec.paths)
      .flatMap(([path, item]) =>
        Object.entries(item).flatMap(([method, operation]) =>
          Object.entries(operation.requestBody?.content?.['application/json']?.examples ?? {}).map(([name, example]) => ({
            path,
            method,
            name,
            value: example.value,
            schema: operation.requestBody!.content['application/json']!.schema,
          })),
        ),
      )
      .sort((a, b) => ORDER.indexOf(a.path) - ORDER.indexOf(b.path));

  it('validate against their schemas and are accepted by their routes', async () => {
    const found = examples();
    expect(found.map((e) => e.path)).toEqual(ORDER);
    // OpenAPI 3.0 keywords (nullable, example, externalDocs) are not JSON Schema's; `format: password` is a hint.
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    for (const { path, method, name, value, schema } of found) {
      const validate = ajv.compile(jsonSchemaOf({ ...schema, components: spec.components }));
      expect({ path, name, valid: validate(value), errors: validate.errors ?? null }).toEqual({ path, name, valid: true, errors: null });
      const url = path.replace(/\{(\w+)\}/g, (_all, parameter: string) => PARAMETERS[parameter]!);
      const response = await rig.request(method.toUpperCase(), url, value);
      expect({ path, name, status: response.status, body: response.ok ? null : await response.text() }).toEqual({ path, name, status: expect.any(Number), body: null });
    }
  });

  it('every example of a schema or of one of its properties validates against it', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const schemas = spec.components.schemas as Record<string, { example?: unknown; properties?: Record<string, { example?: unknown }> }>;
    let checked = 0;
    for (const [name, schema] of Object.entries(schemas)) {
      const cases = [
        ...(schema.example === undefined ? [] : [{ at: name, schema: { $ref: `#/components/schemas/${name}` }, example: schema.example }]),
        ...Object.entries(schema.properties ?? {}).flatMap(([property, child]) => (child.example === undefined ? [] : [{ at: `${name}.${property}`, schema: child, example: child.example }])),
      ];
      for (const { at, schema: own, example } of cases) {
        const validate = ajv.compile(jsonSchemaOf({ ...own, components: spec.components }));
        expect({ at, valid: validate(example), errors: validate.errors ?? null }).toEqual({ at, valid: true, errors: null });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('a body the DTO refuses is refused by the document too (the schema is closed to unknown fields)', () => {
    const plan = found('/placement/plan');
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const validate = ajv.compile(jsonSchemaOf({ ...plan.schema, components: spec.components }));
    expect(validate({ ...(plan.value as object), colour: 'blue' })).toBe(false);
    expect(validate({ clusters: [{ name: 'c1', cpu: 1, cores: 2 }], services: [] })).toBe(false);
  });

  it('serves the JSON Schema of the HDAG descriptor where the deploy operation links it', async () => {
    const url = spec.paths['/project/{project}/graphs']!.post!.externalDocs!.url;
    expect(url).toBe('/schemas/hdag-0.4.0.json');
    const response = await rig.request('GET', url);
    expect(response.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    const schema = (await response.json()) as { $schema: string; properties: { hdaGraph: { required: string[] } } };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.properties.hdaGraph.required).toEqual(['imVersion', 'id', 'version', 'services']);
  });

  function found(path: string) {
    const example = examples().find((e) => e.path === path);
    if (!example) throw new Error(`no example for ${path}`);
    return example;
  }
});

/** OpenAPI 3.0's exclusive bounds (a flag beside `minimum`/`maximum`) as JSON Schema draft-07's (the bound itself), which ajv reads. */
function jsonSchemaOf<T>(node: T): T {
  if (Array.isArray(node)) return node.map(jsonSchemaOf) as T;
  if (typeof node !== 'object' || node === null) return node;
  const { exclusiveMinimum, exclusiveMaximum, minimum, maximum, ...rest } = node as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, jsonSchemaOf(value)]));
  const bound = (flag: unknown, value: unknown, exclusive: string, inclusive: string) =>
    value === undefined ? (typeof flag === 'boolean' ? {} : flag === undefined ? {} : { [exclusive]: flag }) : flag === true ? { [exclusive]: value } : { [inclusive]: value };
  return { ...converted, ...bound(exclusiveMinimum, minimum, 'exclusiveMinimum', 'minimum'), ...bound(exclusiveMaximum, maximum, 'exclusiveMaximum', 'maximum') } as T;
}
