import { ARTIFACT_REF_SCHEMES, checkArtifactRef } from './artifact-ref';
import { isRecord, kindOf } from './json-value';
import { IntakeLimits, withDefaults } from './limits';
import { bodySyntaxOf } from './media-type';
import { IntakeStatus, Problem, problemAt } from './problem';
import { parseYamlText } from './safe-yaml';
import { findStructureProblem } from './tree-check';

/**
 * How the descriptor arrived:
 * - `json-object`: `application/json` body `{"hdaGraph": …}` (upstream answered 500 here, bug B1);
 * - `json-string`: the upstream form, a JSON string whose content is the YAML or JSON text;
 * - `yaml`: a YAML body (`application/yaml`, `application/x-yaml`, `text/yaml`).
 */
export type BodyForm = 'json-object' | 'json-string' | 'yaml';

export type IntakeResult =
  | { readonly kind: 'descriptor'; readonly document: unknown; readonly format: BodyForm }
  | { readonly kind: 'artifact'; readonly ref: string }
  | { readonly kind: 'rejected'; readonly status: IntakeStatus; readonly problems: Problem[] };

export interface DescriptorBody {
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/**
 * Turns a `POST /project/{project}/graphs` body into a parsed document or an artifact reference.
 * It only parses and classifies; `validateDescriptor` judges the document.
 */
export function parseDescriptorBody(input: DescriptorBody, limits: Partial<IntakeLimits> = {}): IntakeResult {
  const effective = withDefaults(limits);
  const mediaType = bodySyntaxOf(input.contentType);
  if (!mediaType.ok) return rejected(415, [mediaType.problem]);
  if (input.body.length > effective.maxBodyBytes) {
    return rejected(413, [problemAt([], `body is ${input.body.length} bytes; the limit is ${effective.maxBodyBytes}`)]);
  }
  const text = decodeUtf8(input.body);
  if (text === undefined) return rejected(400, [problemAt([], 'body is not valid UTF-8')]);
  if (text.trim() === '') return rejected(400, [problemAt([], 'body is empty')]);
  return mediaType.syntax === 'json' ? fromJson(text, effective) : fromYaml(text, 'yaml', effective);
}

function fromJson(text: string, limits: IntakeLimits): IntakeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return rejected(400, [problemAt([], `body is not valid JSON: ${jsonErrorMessage(error)}`)]);
  }
  if (typeof value === 'string') return fromYaml(value, 'json-string', limits);
  const structureProblem = findStructureProblem(value, limits.maxDepth);
  if (structureProblem) return rejected(400, [structureProblem]);
  return classify(value, 'json-object');
}

function fromYaml(text: string, form: 'yaml' | 'json-string', limits: IntakeLimits): IntakeResult {
  const parsed = parseYamlText(text, limits);
  if (!parsed.ok) {
    const prefix = form === 'json-string' ? "the JSON string must hold the descriptor's YAML or JSON text: " : '';
    return rejected(
      parsed.status,
      parsed.problems.map((problem) => ({ ...problem, message: prefix + problem.message })),
    );
  }
  return classify(parsed.value, form);
}

/** A parsed body is either `{hdaGraph: …}` (validated later) or exactly `{artifact: "<ref>"}`. */
function classify(value: unknown, form: BodyForm): IntakeResult {
  if (!isRecord(value)) {
    const what = form === 'json-string' ? 'the text inside the JSON string' : 'the body';
    return rejected(400, [
      problemAt([], `${what} must be a mapping with "hdaGraph" (a descriptor) or "artifact" (an HDAR reference); got ${kindOf(value)}`),
    ]);
  }
  const hasGraph = Object.hasOwn(value, 'hdaGraph');
  if (!Object.hasOwn(value, 'artifact')) {
    if (hasGraph) return { kind: 'descriptor', document: value, format: form };
    return rejected(400, [problemAt(['hdaGraph'], '"hdaGraph" is required (or "artifact" with an HDAR reference)')]);
  }
  if (hasGraph) return rejected(400, [problemAt(['artifact'], 'give either "hdaGraph" or "artifact", not both')]);
  const problems = Object.keys(value)
    .filter((key) => key !== 'artifact')
    .map((key) => problemAt([key], `"${key}" is not allowed next to "artifact"`));
  const ref = value['artifact'];
  const verdict = checkArtifactRef(ref, { schemes: ARTIFACT_REF_SCHEMES });
  if (!verdict.ok) problems.unshift(problemAt(['artifact'], `artifact reference ${verdict.reason}`));
  if (problems.length > 0 || typeof ref !== 'string') return rejected(400, problems);
  return { kind: 'artifact', ref };
}

function decodeUtf8(body: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

/** V8 names the position ("at position 8 (line 1 column 9)") except after "Unexpected token", where it echoes input instead. */
function jsonErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*" is not valid JSON$/s, '').slice(0, 300);
}

function rejected(status: IntakeStatus, problems: Problem[]): IntakeResult {
  return { kind: 'rejected', status, problems };
}
