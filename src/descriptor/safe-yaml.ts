import { Composer, CST, Document, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, visit, YAMLParseError } from 'yaml';
import { IntakeLimits } from './limits';
import { plainYamlValue } from './plain-yaml';
import { DocumentPath, Problem, problemAt } from './problem';
import { findStructureProblem } from './tree-check';
import { type TokenVerdict, YamlTokenGuard } from './yaml-token-guard';

export type TextParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly problems: Problem[] };

/** Hostile input can produce thousands of errors; the first few are enough to act on. */
const MAX_REPORTED_PROBLEMS = 20;

/**
 * Parses untrusted YAML (or JSON, which YAML 1.2 contains) as plain data (most descriptors through the
 * fast path of plain-yaml.ts, with the same answers):
 * - YAML 1.2 core schema even under a `%YAML 1.1` directive, so `yes`/`on` stay strings, and no `<<` merges;
 * - no custom or YAML 1.1 tags (`!!binary`, `!!timestamp`, `!foo` …): an unresolved tag is an error;
 * - string keys only, unique keys (checked here in linear time; yaml's own check is quadratic);
 * - alias expansion capped (alias bombs), cycles and nesting depth refused, one document only.
 */
export function parseYamlText(text: string, limits: IntakeLimits): TextParseOutcome {
  const plain = plainYamlValue(text, limits);
  if (plain && !findStructureProblem(plain.value, limits.maxDepth)) return { ok: true, value: plain.value };
  return parseYamlTextCarefully(text, limits);
}

/** parseYamlText through yaml's parser, token by token through the guard: what decides and words every refusal. */
export function parseYamlTextCarefully(text: string, limits: IntakeLimits): TextParseOutcome {
  const lines = new LineCounter();
  const document = composeOneDocument(text, lines, new YamlTokenGuard(limits.maxDepth, limits.maxYamlTokens));
  if (document === 'too-many-tokens') {
    return rejected(413, [problemAt([], `YAML text is too large: more than ${limits.maxYamlTokens} tokens`)]);
  }
  if (document === 'too-deep') {
    return rejected(400, [problemAt([], `YAML nesting is deeper than ${limits.maxDepth} levels`)]);
  }
  const at = (offset: number | undefined): string => {
    const { line, col } = lines.linePos(offset ?? 0);
    return ` (line ${line}, column ${col})`;
  };
  const syntaxProblems = [...document.errors, ...document.warnings].map((error) =>
    problemAt([], `invalid YAML: ${error.message}${at(error.pos[0])}`),
  );
  const problems = [...syntaxProblems, ...duplicateKeyProblems(document, at)];
  if (problems.length > 0) return rejected(400, problems);

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (error) {
    // yaml throws ReferenceError for alias bombs ("Excessive alias count") and unknown aliases.
    const reason = error instanceof Error ? error.message : String(error);
    return rejected(400, [problemAt([], `invalid YAML aliases: ${reason}`)]);
  }
  const structureProblem = findStructureProblem(value, limits.maxDepth);
  if (structureProblem) return rejected(400, [structureProblem]);
  return { ok: true, value };
}

const COMPOSE_OPTIONS = {
  version: '1.2',
  schema: 'core',
  merge: false,
  resolveKnownTags: false,
  stringKeys: true,
  uniqueKeys: false,
  // 'error' keeps yaml quiet on the console.
  logLevel: 'error',
} as const;

/** The input was stopped at the first token the guard refused. */
class RefusedInput {
  constructor(readonly verdict: Exclude<TokenVerdict, 'ok'>) {}
}

/**
 * What yaml's parseDocument does, with each lexer token passed through the guard before the parser
 * takes it: one lexing of the text, and nothing composed from input the guard refuses. A second
 * document is an error, as in parseDocument.
 */
function composeOneDocument(text: string, lines: LineCounter, guard: YamlTokenGuard): Document.Parsed | RefusedInput['verdict'] {
  let document: Document.Parsed | undefined;
  try {
    for (const composed of new Composer(COMPOSE_OPTIONS).compose(guardedSyntaxTree(text, lines, guard), true, text.length)) {
      if (document) {
        document.errors.push(new YAMLParseError([composed.range[0], composed.range[1]], 'MULTIPLE_DOCS', 'a descriptor is one YAML document, and a second one starts here'));
        break;
      }
      document = composed;
    }
  } catch (error) {
    if (error instanceof RefusedInput) return error.verdict;
    throw error;
  }
  // compose(…, forceDoc = true) yields a document at the latest at the end of input.
  return document!;
}

/** yaml's Parser.parse(text), with the guard between its lexer and the parser. */
function* guardedSyntaxTree(text: string, lines: LineCounter, guard: YamlTokenGuard): Generator<CST.Token> {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0); // Parser.parse reports the start of input as a line start too
  for (const lexeme of new Lexer().lex(text)) {
    const verdict = guard.next(lexeme);
    if (verdict !== 'ok') throw new RefusedInput(verdict);
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

function rejected(status: 400 | 413, problems: Problem[]): TextParseOutcome {
  const unique = [...new Map(problems.map((problem) => [problem.pointer + problem.message, problem])).values()];
  return { ok: false, status, problems: unique.slice(0, MAX_REPORTED_PROBLEMS) };
}

function duplicateKeyProblems(document: Document, at: (offset: number | undefined) => string): Problem[] {
  const problems: Problem[] = [];
  visit(document, {
    Map(_key, map, ancestors) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue; // non-string keys are already errors (stringKeys)
        const name = String(pair.key.value);
        if (seen.has(name)) {
          const path = [...pathOf([...ancestors, map]), name];
          problems.push(problemAt(path, `duplicate key "${name}"${at(pair.key.range?.[0])}`));
        }
        seen.add(name);
      }
    },
  });
  return problems;
}

/** Turns yaml's ancestor chain (document, collections, pairs) into a JSON pointer path. */
function pathOf(chain: readonly unknown[]): DocumentPath {
  const path: (string | number)[] = [];
  chain.forEach((node, index) => {
    const child = chain[index + 1];
    if (child === undefined) return;
    if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value));
    if (isSeq(node)) path.push((node.items as readonly unknown[]).indexOf(child));
  });
  return path;
}
