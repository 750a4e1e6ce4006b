import { DEFAULT_INTAKE_LIMITS } from './limits';
import { parseYamlText, TextParseOutcome } from './safe-yaml';

const parse = (text: string): TextParseOutcome => parseYamlText(text, DEFAULT_INTAKE_LIMITS);
const MIB = 1024 * 1024;

describe('parseYamlText: plain data only', () => {
  it('parses ordinary YAML 1.2 (True/False are booleans, 2m and 0.4.0 are strings)', () => {
    expect(parse('a: True\nb: False\nc: 2m\nd: 0.4.0\ne: "1.0.0"\nf: 1.0\n')).toEqual({
      ok: true,
      value: { a: true, b: false, c: '2m', d: '0.4.0', e: '1.0.0', f: 1 },
    });
  });

  it('stays on the YAML 1.2 core schema under a %YAML 1.1 directive: no yes/no booleans, no << merges', () => {
    expect(parse('%YAML 1.1\n---\na: yes\nb: &b {x: 1}\nc:\n  <<: *b\n')).toEqual({
      ok: true,
      value: { a: 'yes', b: { x: 1 }, c: { '<<': { x: 1 } } },
    });
  });

  it.each(['!!binary aGVsbG8=', '!!timestamp 2001-12-14', '!!set {a, b}', '!local x', '!!python/object:os.system ls'])('refuses the tag in "a: %s"', (value) => {
    const outcome = parse(`a: ${value}\n`);
    expect(outcome).toMatchObject({ ok: false, status: 400 });
    expect(!outcome.ok && outcome.problems[0]?.message).toMatch(/Unresolved tag/);
  });

  it('refuses non-string keys', () => {
    expect(parse('? [a, b]\n: 1\n')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/keys must be strings/) }] });
  });

  it('reports duplicate keys at their JSON pointer, also inside lists', () => {
    expect(parse('services:\n  - id: a\n    id: b\n')).toEqual({
      ok: false,
      status: 400,
      problems: [{ pointer: '/services/0/id', message: 'duplicate key "id" (line 3, column 5)' }],
    });
  });

  it('allows a few aliases, but not an expansion bomb or a cycle', () => {
    expect(parse('base: &v {x: 1}\none: *v\ntwo: *v\n')).toMatchObject({ ok: true, value: { one: { x: 1 }, two: { x: 1 } } });
    const ten = (alias: string) => Array(10).fill(alias).join(', ');
    const bomb = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]', `b: &b [${ten('*a')}]`, `c: &c [${ten('*b')}]`, `d: [${ten('*c')}]`].join('\n');
    // A flat anchor shared by many (twenty services' compute block) is no bomb.
    expect(parse(['base: &v {x: 1}', ...Array.from({ length: 20 }, (_, i) => `s${i}: *v`)].join('\n'))).toMatchObject({ ok: true });
    expect(parse(bomb)).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/Excessive alias count/) }] });
    expect(parse('a: &a\n  b: *a\n')).toMatchObject({ ok: false, problems: [{ pointer: '/a/b', message: expect.stringMatching(/cycle/) }] });
  });

  it('keeps "__proto__" an ordinary key', () => {
    const outcome = parse('__proto__: {polluted: true}\n');
    expect(outcome.ok && Object.getPrototypeOf(outcome.value)).toBe(Object.prototype);
    expect(outcome.ok && Object.keys(outcome.value as object)).toEqual(['__proto__']);
  });

  it('caps the number of problems reported for hostile input', () => {
    const outcome = parse(Array.from({ length: 200 }, () => 'a: [').join('\n'));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.problems.length).toBeLessThanOrEqual(20);
  });
});

/**
 * Without the token guard (nesting estimate and token budget) these take 3 to 50 seconds each (yaml recurses, and its own
 * duplicate-key check is quadratic): each must be refused by the guard, which runs before yaml parses anything (its
 * message says which bound), not by yaml after that work. How fast intake is lives in the benchmarks, not here.
 */
describe('parseYamlText: bounded work on hostile input', () => {
  const hostile: [string, string, 400 | 413][] = [
    ['1 MiB of "["', '['.repeat(MIB), 400],
    ['1 MiB of "{a: "', '{a: '.repeat(MIB / 4), 400],
    ['1 MiB of compact "- "', '- '.repeat(MIB / 2), 400],
    ['deep block indentation', Array.from({ length: 1400 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n'), 400],
    ['1 MiB of flat keys (quadratic duplicate check in yaml)', Array.from({ length: 100_000 }, (_, index) => `k${index}: 1`).join('\n'), 413],
    ['1 MiB flow list', `[${'1,'.repeat(MIB / 2)}1]`, 413],
  ];

  it.each(hostile)('%s is refused by the guard, before yaml parses it', (_name, text, status) => {
    expect(parse(text)).toMatchObject({
      ok: false,
      status,
      problems: [{ pointer: '', message: expect.stringMatching(/^YAML (nesting is deeper than \d+ levels|text is too large: more than \d+ tokens)$/) }],
    });
  });

  it('parses a document just under the token budget', () => {
    const text = Array.from({ length: 7000 }, (_, index) => `key${index}: value`).join('\n');
    expect(parse(text).ok).toBe(true);
  });
});
