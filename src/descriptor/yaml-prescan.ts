import { CST, Lexer } from 'yaml';

export type PrescanVerdict = 'ok' | 'too-many-tokens' | 'too-deep';

/**
 * A cheap pass over yaml's lexer before anything is composed. yaml's parser and composer recurse and
 * slow down badly on hostile nesting (a megabyte of "[" or of "- - - …" takes seconds, then overflows
 * the stack), so this stops early on:
 * - more than `maxTokens` lexer tokens;
 * - an estimated nesting deeper than `maxDepth`: open flow brackets, plus the stack of block
 *   indentation levels, plus compact "- "/"? " indicators on the current line.
 * The estimate is at least half the real depth, so it bounds the work; the exact depth is checked on
 * the parsed value afterwards (tree-check.ts).
 */
export function prescanYaml(text: string, maxDepth: number, maxTokens: number): PrescanVerdict {
  const indents: number[] = [];
  let tokens = 0;
  let flowDepth = 0;
  let indicatorsOnLine = 0;
  let atLineStart = true;
  let indent = 0;
  let nextIsScalarBody = false;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > maxTokens) return 'too-many-tokens';
    if (nextIsScalarBody) {
      // The text of a plain or block scalar follows its marker token; its content is not structure.
      nextIsScalarBody = false;
      continue;
    }
    const type = CST.tokenType(token);
    if (type === 'newline') {
      atLineStart = true;
      indent = 0;
      indicatorsOnLine = 0;
      continue;
    }
    if (type === 'space') {
      if (atLineStart) indent = token.length;
      continue;
    }
    if (type === 'comment') continue;
    if (atLineStart && flowDepth === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
      indents.push(indent);
    }
    atLineStart = false;
    if (type === 'scalar') nextIsScalarBody = true;
    if (type === 'flow-seq-start' || type === 'flow-map-start') flowDepth++;
    if ((type === 'flow-seq-end' || type === 'flow-map-end') && flowDepth > 0) flowDepth--;
    if (type === 'seq-item-ind' || type === 'explicit-key-ind') indicatorsOnLine++;
    if (indents.length + indicatorsOnLine + flowDepth > maxDepth) return 'too-deep';
  }
  return 'ok';
}
