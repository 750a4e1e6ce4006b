import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { changed, fixtureText, LEGACY_FIXTURE, REMOVE } from '../../test/fixtures/descriptors/load';
import { HdarctlArtifactResolver } from './artifact';
import { DescriptorBody } from './intake';
import { receiveGraphSubmission } from './submission';

const BRUSSELS = 'brussels-demo.upstream.hdag.yaml';
const VO = '/hdaGraph/services/0';
const APP = '/hdaGraph/services/1';
const FAKE_HDARCTL = join(__dirname, '../../test/fixtures/fake-hdarctl/hdarctl');

const json = (value: unknown): DescriptorBody => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(value)) });
const yaml = (text: string): DescriptorBody => ({ contentType: 'application/yaml', body: Buffer.from(text) });
const raw = (contentType: string | undefined, body: string | Buffer): DescriptorBody => ({
  contentType,
  body: typeof body === 'string' ? Buffer.from(body) : body,
});
/** Brussels with one member replaced (or removed) at a pointer, posted as a JSON object. */
const brussels = (pointer: string, value: unknown): DescriptorBody => json(changed(BRUSSELS, pointer, value));

const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, index) => {
    const previous = 'abcdefgh'[index];
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
  'hdaGraph: *i',
].join('\n');

interface InvalidCase {
  readonly name: string;
  readonly body: DescriptorBody;
  readonly status: 400 | 413 | 415;
  readonly pointer: string;
  readonly message: RegExp;
}

const cases: InvalidCase[] = [
  // The body itself
  { name: 'a 5 MB body', body: raw('application/json', Buffer.alloc(5 * 1024 * 1024, 0x20)), status: 413, pointer: '', message: /5242880 bytes; the limit is 1048576/ },
  { name: 'invalid UTF-8', body: raw('application/json', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), status: 400, pointer: '', message: /not valid UTF-8/ },
  { name: 'text/plain', body: raw('text/plain', fixtureText(BRUSSELS)), status: 415, pointer: '', message: /Content-Type "text\/plain" is not supported/ },
  { name: 'no Content-Type', body: raw(undefined, '{}'), status: 415, pointer: '', message: /Content-Type header is required/ },
  { name: 'a charset other than UTF-8', body: raw('application/json; charset=latin1', '{}'), status: 415, pointer: '', message: /charset "latin1"/ },
  { name: 'an empty body', body: raw('application/json', '  \n'), status: 400, pointer: '', message: /body is empty/ },
  { name: 'malformed JSON, with its position', body: raw('application/json', '{"hdaGraph": {"id": 1,}}'), status: 400, pointer: '', message: /not valid JSON: .*position 22 \(line 1 column 23\)/ },
  { name: 'a JSON string holding invalid YAML', body: json('hdaGraph: [unclosed\n  id: x'), status: 400, pointer: '', message: /JSON string must hold the descriptor's YAML or JSON text: invalid YAML: .*\(line \d+, column \d+\)/ },
  { name: 'a JSON string holding a plain string', body: json('just words'), status: 400, pointer: '', message: /text inside the JSON string must be a mapping .* got a string/ },
  { name: 'a JSON array', body: json([{ hdaGraph: {} }]), status: 400, pointer: '', message: /must be a mapping .* got an array/ },
  { name: 'neither hdaGraph nor artifact', body: json({ graph: {} }), status: 400, pointer: '/hdaGraph', message: /"hdaGraph" is required/ },
  { name: 'both hdaGraph and artifact', body: json({ hdaGraph: {}, artifact: 'oci://r/x' }), status: 400, pointer: '/artifact', message: /either "hdaGraph" or "artifact"/ },
  { name: 'a YAML duplicate key', body: yaml(fixtureText(BRUSSELS).replace('  id: image-detection-graph', '  id: image-detection-graph\n  id: other')), status: 400, pointer: '/hdaGraph/id', message: /duplicate key "id" \(line 4, column 3\)/ },
  { name: 'a YAML alias bomb', body: yaml(aliasBomb), status: 400, pointer: '', message: /Excessive alias count/ },
  { name: 'a YAML alias cycle', body: yaml('hdaGraph: &g\n  self: *g\n'), status: 400, pointer: '/hdaGraph/self', message: /cycle/ },
  { name: 'deeply nested YAML (flow)', body: yaml(`hdaGraph: ${'['.repeat(200_000)}`), status: 400, pointer: '', message: /nesting is deeper than 64 levels/ },
  { name: 'deeply nested YAML (compact "- - -")', body: yaml(`hdaGraph:\n${'- '.repeat(100_000)}x`), status: 400, pointer: '', message: /nesting is deeper than 64 levels/ },
  { name: 'deeply nested JSON', body: raw('application/json', `{"hdaGraph": ${'['.repeat(5000)}${']'.repeat(5000)}}`), status: 400, pointer: /^\/hdaGraph(\/0){63}$/.source, message: /deeper than 64 levels/ },
  { name: 'a YAML custom tag', body: yaml('hdaGraph: !!js/function "function () {}"'), status: 400, pointer: '', message: /Unresolved tag: tag:yaml.org,2002:js\/function/ },
  { name: 'several YAML documents', body: yaml('hdaGraph: {}\n---\nhdaGraph: {}\n'), status: 400, pointer: '', message: /multiple documents/ },
  { name: 'a YAML document over the token budget', body: yaml(Array.from({ length: 40_000 }, (_, index) => `k${index}: 1`).join('\n')), status: 413, pointer: '', message: /more than 50000 tokens/ },
  // Artifact references
  { name: 'artifact "a;rm -rf /"', body: json({ artifact: 'a;rm -rf /' }), status: 400, pointer: '/artifact', message: /shell metacharacters \(found ";"\)/ },
  { name: 'artifact with a space', body: json({ artifact: 'oci://r/x --set a=b' }), status: 400, pointer: '/artifact', message: /whitespace/ },
  { name: 'artifact "oci://r/x;rm"', body: json({ artifact: 'oci://r/x;rm' }), status: 400, pointer: '/artifact', message: /shell metacharacters \(found ";"\)/ },
  { name: 'artifact "../x"', body: json({ artifact: '../x' }), status: 400, pointer: '/artifact', message: /"\." or "\.\." path segments/ },
  { name: 'artifact with a ".." segment', body: json({ artifact: 'http://10.0.3.53:5000/test/../etc' }), status: 400, pointer: '/artifact', message: /"\.\." path segments/ },
  { name: 'artifact "-x" (a flag)', body: json({ artifact: '-x' }), status: 400, pointer: '/artifact', message: /must not start with "-"/ },
  { name: 'artifact file:// URL', body: json({ artifact: 'file:///etc/passwd' }), status: 400, pointer: '/artifact', message: /must start with http:\/\/ or https:\/\/ or oci:\/\// },
  { name: 'artifact that is not a string', body: json({ artifact: 42 }), status: 400, pointer: '/artifact', message: /must be a string/ },
  { name: 'a member next to artifact', body: json({ artifact: 'oci://r/x', project: 'p' }), status: 400, pointer: '/project', message: /not allowed next to "artifact"/ },
  { name: 'an artifact whose archive has no descriptor', body: json({ artifact: 'http://127.0.0.1:5000/test/empty-graph' }), status: 400, pointer: '/artifact', message: /no \*\.yml or \*\.yaml descriptor/ },
  // The descriptor
  { name: 'the legacy imVersion 0.3.0 descriptor', body: yaml(fixtureText(LEGACY_FIXTURE)), status: 400, pointer: '/hdaGraph/imVersion', message: /"0\.3\.0".*"deployment\.intent\.compute"/ },
  { name: 'an unknown imVersion', body: brussels('/hdaGraph/imVersion', '0.5.0'), status: 400, pointer: '/hdaGraph/imVersion', message: /must be "0\.4\.0" \(got "0\.5\.0"\)/ },
  { name: 'hdaGraph that is not an object', body: json({ hdaGraph: 'graph' }), status: 400, pointer: '/hdaGraph', message: /must be an object \(got a string\)/ },
  { name: 'missing hdaGraph.id', body: brussels('/hdaGraph/id', REMOVE), status: 400, pointer: '/hdaGraph/id', message: /"id" is required/ },
  { name: 'a graph id that is not a DNS label', body: brussels('/hdaGraph/id', 'Image_Detection'), status: 400, pointer: '/hdaGraph/id', message: /DNS-1123 label .* \(got "Image_Detection"\)/ },
  { name: 'a graph id "a;rm -rf /"', body: brussels('/hdaGraph/id', 'a;rm -rf /'), status: 400, pointer: '/hdaGraph/id', message: /DNS-1123 label/ },
  { name: 'a service id "../x"', body: brussels(`${APP}/id`, '../x'), status: 400, pointer: `${APP}/id`, message: /DNS-1123 label .* Helm release name/ },
  { name: 'a service id of 54 characters', body: brussels(`${APP}/id`, 'a'.repeat(54)), status: 400, pointer: `${APP}/id`, message: /at most 53 characters/ },
  { name: 'duplicate service ids', body: brussels(`${APP}/id`, 'image-detection'), status: 400, pointer: '/hdaGraph/services/2/id', message: /duplicate service id "image-detection" \(also at \/hdaGraph\/services\/1\/id\)/ },
  { name: 'a version that is not semver', body: brussels('/hdaGraph/version', '1.0'), status: 400, pointer: '/hdaGraph/version', message: /semantic version/ },
  { name: 'an empty services list', body: brussels('/hdaGraph/services', []), status: 400, pointer: '/hdaGraph/services', message: /at least one entry/ },
  { name: 'an unknown cpu class', body: brussels(`${APP}/deployment/intent/compute/cpu`, 'huge'), status: 400, pointer: `${APP}/deployment/intent/compute/cpu`, message: /"cpu" must be one of light, small, medium, large \(got "huge"\)/ },
  { name: 'ram given as a number', body: brussels(`${APP}/deployment/intent/compute/ram`, 4), status: 400, pointer: `${APP}/deployment/intent/compute/ram`, message: /must be one of .* \(got a number \(4\)\)/ },
  { name: 'storage: light', body: brussels(`${APP}/deployment/intent/compute/storage`, 'light'), status: 400, pointer: `${APP}/deployment/intent/compute/storage`, message: /"storage" must be one of small, medium, large \(got "light"\)/ },
  { name: 'a missing compute block', body: brussels(`${APP}/deployment/intent/compute`, REMOVE), status: 400, pointer: `${APP}/deployment/intent/compute`, message: /"compute" is required/ },
  { name: 'a missing gpu intent', body: brussels(`${APP}/deployment/intent/compute/gpu`, REMOVE), status: 400, pointer: `${APP}/deployment/intent/compute/gpu`, message: /"gpu" is required/ },
  { name: 'gpu.enabled "yes"', body: brussels(`${APP}/deployment/intent/compute/gpu/enabled`, 'yes'), status: 400, pointer: `${APP}/deployment/intent/compute/gpu/enabled`, message: /"True" or "False"/ },
  { name: 'useStaticPlacement 1', body: brussels('/hdaGraph/hdaGraphIntent/useStaticPlacement', 1), status: 400, pointer: '/hdaGraph/hdaGraphIntent/useStaticPlacement', message: /must be true or false/ },
  { name: 'missing connectionPoints', body: brussels(`${APP}/deployment/intent/connectionPoints`, REMOVE), status: 400, pointer: `${APP}/deployment/intent/connectionPoints`, message: /"connectionPoints" is required/ },
  { name: 'an unknown latency qos', body: brussels(`${APP}/deployment/intent/network/latencies`, [{ connectionPoint: 'image-detection', qos: 'fast' }]), status: 400, pointer: `${APP}/deployment/intent/network/latencies/0/qos`, message: /ultralow, low, best-effort/ },
  { name: 'a trigger with both auto and event', body: brussels(`${APP}/deployment/trigger/event`, { events: [] }), status: 400, pointer: `${APP}/deployment/trigger`, message: /exactly one of "auto" or "event"/ },
  { name: 'an empty trigger', body: brussels(`${APP}/deployment/trigger`, {}), status: 400, pointer: `${APP}/deployment/trigger`, message: /must have "auto" .* or "event"/ },
  { name: 'an event without promQuery', body: brussels(`${VO}/deployment/trigger/event/events/0/condition/promQuery`, REMOVE), status: 400, pointer: `${VO}/deployment/trigger/event/events/0/condition/promQuery`, message: /"promQuery" is required/ },
  { name: 'a gracePeriod that is not a Prometheus duration', body: brussels(`${VO}/deployment/trigger/event/events/0/condition/gracePeriod`, '2 minutes'), status: 400, pointer: `${VO}/deployment/trigger/event/events/0/condition/gracePeriod`, message: /Prometheus duration/ },
  { name: 'an event without id', body: brussels(`${VO}/deployment/trigger/event/events/0/id`, REMOVE), status: 400, pointer: `${VO}/deployment/trigger/event/events/0/id`, message: /"id" is required/ },
  { name: 'an ociImage with a ".." segment', body: brussels(`${APP}/artifact/ociImage`, 'oci://10.0.3.53:5000/test/../x'), status: 400, pointer: `${APP}/artifact/ociImage`, message: /"\.\." path segments/ },
  { name: 'an ociImage over http', body: brussels(`${APP}/artifact/ociImage`, 'http://10.0.3.53:5000/test/x'), status: 400, pointer: `${APP}/artifact/ociImage`, message: /must start with oci:\/\// },
  { name: 'an ociImage with a shell command', body: brussels(`${APP}/artifact/ociImage`, 'oci://r/x$(reboot)'), status: 400, pointer: `${APP}/artifact/ociImage`, message: /shell metacharacters/ },
  { name: 'an ociImage with uppercase path', body: brussels(`${APP}/artifact/ociImage`, 'oci://r:5000/Test/X'), status: 400, pointer: `${APP}/artifact/ociImage`, message: /must have the form/ },
  { name: 'an unknown implementer', body: brussels(`${APP}/artifact/ociConfig/implementer`, 'DOCKER'), status: 400, pointer: `${APP}/artifact/ociConfig/implementer`, message: /HELM, WOT/ },
  { name: 'an unknown artifact type', body: brussels(`${APP}/artifact/ociConfig/type`, 'Job'), status: 400, pointer: `${APP}/artifact/ociConfig/type`, message: /App, VO/ },
  { name: 'a missing valuesOverwrite', body: brussels(`${APP}/artifact/valuesOverwrite`, REMOVE), status: 400, pointer: `${APP}/artifact/valuesOverwrite`, message: /"valuesOverwrite" is required/ },
  { name: 'valuesOverwrite as a list', body: brussels(`${APP}/artifact/valuesOverwrite`, []), status: 400, pointer: `${APP}/artifact/valuesOverwrite`, message: /must be an object \(got an array\)/ },
  { name: 'a WOT voChartOverwrite that is not a mapping', body: brussels(`${VO}/artifact/valuesOverwrite/voChartOverwrite`, 'x'), status: 400, pointer: `${VO}/artifact/valuesOverwrite/voChartOverwrite`, message: /must be an object/ },
];

describe('invalid submissions: status and a problem naming the place', () => {
  let home: string;
  let dependencies: Parameters<typeof receiveGraphSubmission>[1];

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'smo-invalid-'));
    const artifacts = new HdarctlArtifactResolver({
      binary: FAKE_HDARCTL,
      timeoutMs: 10_000,
      maxDescriptorBytes: 1024 * 1024,
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: home,
        FAKE_HDARCTL_FILES: JSON.stringify({ 'empty-graph/README.md': 'no descriptor here' }),
      },
      tempRoot: home,
    });
    dependencies = { artifacts };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has at least 30 distinct cases', () => {
    expect(new Set(cases.map((entry) => entry.name)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status', async ({ body, status, pointer, message }) => {
    const started = Date.now();
    const outcome = await receiveGraphSubmission(body, dependencies);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.status).toBe(status);
    const matching = outcome.problems.filter((problem) => new RegExp(`^${pointer}$`).test(problem.pointer) && message.test(problem.message));
    if (matching.length === 0) throw new Error(`no problem at ${pointer} matching ${message}; got ${JSON.stringify(outcome.problems, null, 1)}`);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
