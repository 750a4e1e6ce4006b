import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { parseEvents } from 'js-yaml';
import { Lexer, stringify, type ToStringOptions } from 'yaml';
import { DEFAULT_INTAKE_LIMITS } from './limits';
import { plainYamlValue, yamlTokensAtMost } from './plain-yaml';
import { parseYamlText, parseYamlTextCarefully } from './safe-yaml';

const DESCRIPTORS = join(__dirname, '../../test/fixtures/descriptors');
const careful = (text: string) => parseYamlTextCarefully(text, DEFAULT_INTAKE_LIMITS);
const fast = (text: string) => plainYamlValue(text, DEFAULT_INTAKE_LIMITS);
/** How many tokens yaml's lexer makes of the text: what the careful path counts against maxYamlTokens. */
const lexerTokens = (text: string) => [...new Lexer().lex(text)].length;

/** The fast path's contract: no answer, or the careful path's value. */
function expectSameAnswer(text: string): boolean {
  const plain = fast(text);
  if (plain === undefined) return false;
  const reference = careful(text);
  if (!reference.ok) throw new Error(`the fast path accepted what the careful path refuses: ${JSON.stringify(text)} → ${JSON.stringify(reference.problems)}`);
  expect(plain.value).toEqual(reference.value);
  // The token budget holds on the fast path as on the careful one: its count is never below the lexer's.
  expect(yamlTokensAtMost(text, parseEvents(text, {}))).toBeGreaterThanOrEqual(lexerTokens(text));
  return true;
}

describe('plainYamlValue: the fast path gives the careful path\'s value or none', () => {
  it.each(readdirSync(DESCRIPTORS).filter((name) => name.endsWith('.yaml')))('the descriptor fixture %s takes the fast path, with the same value', (name) => {
    expect(expectSameAnswer(readFileSync(join(DESCRIPTORS, name), 'utf8'))).toBe(true);
  });

  it('resolves plain scalars as YAML 1.2 core does, and keys as written', () => {
    const text = 'a: yes\nb: True\nc: 0x1F\nd: 0o17\ne: 1e3\nf: .inf\ng: ~\nh:\ni: 2m\nj: 0.4.0\nk: "1.0"\n~: key\n1.0: key\nl: -.5\nm: 0b11\nn: +12\n';
    expect(fast(text)).toEqual({
      value: { a: 'yes', b: true, c: 31, d: 15, e: 1000, f: Infinity, g: null, h: null, i: '2m', j: '0.4.0', k: '1.0', '~': 'key', '1.0': 'key', l: -0.5, m: '0b11', n: 12 },
    });
    expect(expectSameAnswer(text)).toBe(true);
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a local tag', 'a: !foo 1\n'],
    ['a core tag', 'a: !!str 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a __proto__ key', '__proto__: {polluted: true}\n'],
    ['a collection as key', '? [a]\n: 1\n'],
    ['an empty text', ''],
    ['only a comment', '# nothing\n'],
    ['a syntax error', 'a: [1, 2\n'],
    ['nesting past the limit', `${'['.repeat(70)}${']'.repeat(70)}`],
    ['an implicit key longer than yaml allows (1024 characters to its `:`)', `${'k'.repeat(1100)}: 1\n`],
    ['a quoted implicit key longer than yaml allows', `"${'k'.repeat(1100)}": 1\n`],
    ['a short key whose `:` is far after it', `k${' '.repeat(1100)}: 1\n`],
  ])('declines %s: the careful path decides', (_name, text) => {
    expect(fast(text)).toBeUndefined();
  });

  it('keeps the token budget: text the lexer makes more tokens of than maxYamlTokens is refused with 413 as before, however plain', () => {
    const text = `hdaGraph:\n  services:\n${Array.from({ length: 300 }, (_, i) => `    - id: s${i}\n      values: {a: 1, b: [x, y]}\n`).join('')}`;
    const tokens = lexerTokens(text);
    const under = { ...DEFAULT_INTAKE_LIMITS, maxYamlTokens: tokens };
    const over = { ...DEFAULT_INTAKE_LIMITS, maxYamlTokens: tokens - 1 };
    expect(2 * text.length + 2).toBeGreaterThan(tokens); // the short count alone would not decide
    expect(parseYamlTextCarefully(text, over)).toMatchObject({ ok: false, status: 413 });
    expect(parseYamlText(text, over)).toEqual(parseYamlTextCarefully(text, over));
    expect(plainYamlValue(text, { ...under, maxYamlTokens: 2 * tokens })).toBeDefined(); // the fast path takes it when the budget has room
    expect(parseYamlText(text, under)).toEqual(parseYamlTextCarefully(text, under));
  });

  it('refuses, as before the fast path, an implicit key whose `:` is more than 1024 characters after its start', () => {
    const text = `${'k'.repeat(1100)}: 1\n`;
    expect(parseYamlText(text, DEFAULT_INTAKE_LIMITS)).toMatchObject({ ok: false, status: 400 });
    expect(parseYamlText(text, DEFAULT_INTAKE_LIMITS)).toEqual(careful(text));
  });

  it('parseYamlText answers through the careful path when the fast one declines (same problems as before)', () => {
    expect(parseYamlText('a: 1\na: 2\n', DEFAULT_INTAKE_LIMITS)).toEqual(careful('a: 1\na: 2\n'));
    expect(parseYamlText('a: 1\na: 2\n', DEFAULT_INTAKE_LIMITS).ok).toBe(false);
  });

  it('gives the careful value for any JSON-like value written by yaml or js-yaml in any style', () => {
    const keys = fc.string({ unit: fc.constantFrom(...'ab:# -_.\'"\\\n\t?[]{},&*!|>%@`~0123456789eE+xo\u00e9\u2028\u0085'.split('')), maxLength: 8 });
    const scalar = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'ab :# -.\'"\\\n\t?[]{},&*!|>%@`~0123456789eE+xo_ \u00e9\u2028\u0085\ufeff'.split('')), maxLength: 12 }),
      fc.constantFrom('yes', 'no', 'on', 'True', 'NULL', '~', '', '0x1F', '0o17', '0b1', '1e3', '.5', '1.', '-.inf', '.NaN', '012', '+1', '1_000', '2m', '0.4.0', '- a', 'a: b', '#x'),
      fc.integer(),
      fc.double({ noNaN: false }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(keys, tie('node'), { maxKeys: 4 })),
    })).node;
    const style = fc.record({
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      lineWidth: fc.constantFrom(0, 8, 20, 80),
      indent: fc.constantFrom(1, 2, 4),
      indentSeq: fc.boolean(),
    }) as fc.Arbitrary<ToStringOptions>;
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(value, style, fc.boolean(), (data, options, byJsYaml) => {
        runs++;
        let text: string;
        try {
          text = byJsYaml ? dump(data, { lineWidth: options.lineWidth === 0 ? -1 : (options.lineWidth ?? 80), flowLevel: options.collectionStyle === 'flow' ? 0 : -1 }) : stringify(data, options);
        } catch {
          return; // a value one of the writers cannot write in that style
        }
        if (expectSameAnswer(text)) taken++;
      }),
      { numRuns: 3000 },
    );
    // The fast path must be the common path, or it buys nothing.
    expect(taken / runs).toBeGreaterThan(0.8);
  });

  /** YAML's punctuation, line breaks and the Unicode spaces and breaks parsers disagree on. */
  const ALPHABET = 'ab: -#\n\r  \t\'"\\?[]{},&*!|>%@`~01.eE+x_\u00e9\u0085\u2028\u2029\u00a0\u3000\ufeff'.split('');

  it('never gives another value than the careful path for arbitrary text of YAML\'s punctuation', () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 60 });
    fc.assert(fc.property(text, (candidate) => void expectSameAnswer(candidate)), { numRuns: 20_000 });
  });

  it('never gives another value than the careful path for a descriptor fixture with a few characters changed', () => {
    const fixtures = readdirSync(DESCRIPTORS).filter((name) => name.endsWith('.yaml')).map((name) => readFileSync(join(DESCRIPTORS, name), 'utf8'));
    const edit = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...ALPHABET));
    const mutated = fc.tuple(fc.constantFrom(...fixtures), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([text, edits]) =>
      edits.reduce((changed, [where, kind, character]) => {
        const at = Math.floor(where * changed.length);
        return changed.slice(0, at) + (kind === 'delete' ? '' : character) + changed.slice(kind === 'insert' ? at : at + 1);
      }, text),
    );
    fc.assert(fc.property(mutated, (candidate) => void expectSameAnswer(candidate)), { numRuns: 1000 });
  });
});
