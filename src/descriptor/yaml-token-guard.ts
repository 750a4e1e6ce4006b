import { CST } from 'yaml';

export type TokenVerdict = 'ok' | 'too-many-tokens' | 'too-deep';

/**
 * A cheap check of each lexer token before yaml's parser sees it. yaml's parser and composer recurse
 * and slow down badly on hostile nesting (a megabyte of "[" or of "- - - …" takes seconds, then
 * overflows the stack), so the guard stops the input at the first token past:
 * - `maxTokens` lexer tokens;
 * - an estimated nesting deeper than `maxDepth`: open flow brackets, plus the stack of block
 *   indentation levels, plus compact "- "/"? " indicators on the current line.
 * The estimate is at least half the real depth, so it bounds the work; the exact depth is checked on
 * the parsed value afterwards (tree-check.ts). Fed the tokens the parser consumes (safe-yaml.ts), it
 * costs no lexing of its own.
 */
export class YamlTokenGuard {
  private readonly indents: number[] = [];
  private tokens = 0;
  private flowDepth = 0;
  private indicatorsOnLine = 0;
  private atLineStart = true;
  private indent = 0;
  private nextIsScalarBody = false;

  constructor(
    private readonly maxDepth: number,
    private readonly maxTokens: number,
  ) {}

  /** Takes the next lexer token; anything but 'ok' means the input must be refused. */
  next(token: string): TokenVerdict {
    if (++this.tokens > this.maxTokens) return 'too-many-tokens';
    if (this.nextIsScalarBody) {
      // The text of a plain or block scalar follows its marker token; its content is not structure.
      this.nextIsScalarBody = false;
      return 'ok';
    }
    const type = CST.tokenType(token);
    if (type === 'newline') {
      this.atLineStart = true;
      this.indent = 0;
      this.indicatorsOnLine = 0;
      return 'ok';
    }
    if (type === 'space') {
      if (this.atLineStart) this.indent = token.length;
      return 'ok';
    }
    if (type === 'comment') return 'ok';
    if (this.atLineStart && this.flowDepth === 0) {
      while (this.indents.length > 0 && (this.indents[this.indents.length - 1] ?? 0) >= this.indent) this.indents.pop();
      this.indents.push(this.indent);
    }
    this.atLineStart = false;
    if (type === 'scalar') this.nextIsScalarBody = true;
    if (type === 'flow-seq-start' || type === 'flow-map-start') this.flowDepth++;
    if ((type === 'flow-seq-end' || type === 'flow-map-end') && this.flowDepth > 0) this.flowDepth--;
    if (type === 'seq-item-ind' || type === 'explicit-key-ind') this.indicatorsOnLine++;
    return this.indents.length + this.indicatorsOnLine + this.flowDepth > this.maxDepth ? 'too-deep' : 'ok';
  }
}
