import { parse } from 'yaml';
import { renderValuesYaml } from './values-yaml';

/**
 * What helm's reader (go-yaml, YAML 1.1) takes raw in a values file: tab, LF, CR, printable ASCII, then U+00A0 on
 * (U+FFFE and U+FFFF excepted). Anything else makes helm refuse the whole file ("control characters are not
 * allowed"), a raw NEL (U+0085), which YAML 1.1 counts as a line break, is folded into a space, and a raw LS (U+2028)
 * or PS (U+2029), line breaks too, in a key makes helm refuse the file ("mapping values are not allowed in this context").
 */
const READABLE_RAW = /^[\t\n\r\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

describe('renderValuesYaml', () => {
  it('writes DEL, C1 controls, NEL, LS, PS and U+FFFE/U+FFFF as escapes, so helm reads the same strings (and keys)', () => {
    const values = { text: 'a\u007fb\u0085c\u0090d\u009fe\ufffef\uffffg\u2028h\u2029i', ['key\u0085\u2028']: ['\u0080', '\u2029'], ok: 'tab\there é 😀 \ufeff \u2027 \u202a' };
    const file = renderValuesYaml(values);
    expect(file).toMatch(READABLE_RAW);
    expect(parse(file)).toEqual(values);
  });
});
