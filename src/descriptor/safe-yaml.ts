import { Document, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { IntakeLimits } from './limits';
import { DocumentPath, Problem, problemAt } from './problem';
import { findStructureProblem } from './tree-check';
import { prescanYaml } from './yaml-prescan';

export type TextParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly problems: Problem[] };

/** Hostile input can produce thousands of errors; the first few are enough to act on. */
const MAX_REPORTED_PROBLEMS = 20;

/**
 * Parses untrusted YAML (or JSON, which YAML 1.2 contains) as plain data:
 * - YAML 1.2 core schema even under a `%YAML 1.1` directive, so `yes`/`on` stay strings, and no `<<` merges;
 * - no custom or YAML 1.1 tags (`!!binary`, `!!timestamp`, `!foo` …): an unresolved tag is an error;
 * - string keys only, unique keys (checked here in linear time; yaml's own check is quadratic);
 * - alias expansion capped (alias bombs), cycles and nesting depth refused, one document only.
 */
export function parseYamlText(text: string, limits: IntakeLimits): TextParseOutcome {
  const verdict = prescanYaml(text, limits.maxDepth, limits.maxYamlTokens);
  if (verdict === 'too-many-tokens') {
    return rejected(413, [problemAt([], `YAML text is too large: more than ${limits.maxYamlTokens} tokens`)]);
  }
  if (verdict === 'too-deep') {
    return rejected(400, [problemAt([], `YAML nesting is deeper than ${limits.maxDepth} levels`)]);
  }

  const lines = new LineCounter();
  const document = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    merge: false,
    resolveKnownTags: false,
    stringKeys: true,
    uniqueKeys: false,
    prettyErrors: false,
    lineCounter: lines,
    // 'error' keeps yaml quiet on the console; 'silent' would also drop the MULTIPLE_DOCS error.
    logLevel: 'error',
  });
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
