import { parse } from 'yaml';
import { renderValuesYaml } from './values-yaml';

/**
 * What helm's reader (go-yaml, YAML 1.1) takes raw in a values file: tab, LF, CR, printable ASCII, then U+00A0 on
 * (U+FFFE and U+FFFF excepted). Anything else makes helm refuse the whole file ("control characters are not
 * allowed"), and a raw NEL (U+0085), which YAML 1.1 counts as a line break, is folded into a space.
 */
const READABLE_RAW = /^[\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

describe('renderValuesYaml', () => {
  it('writes DEL, C1 controls, NEL and U+FFFE/U+FFFF as escapes, so helm reads the same strings (and keys)', () => {
    const values = { text: 'a\u007fb\u0085c\u0090d\u009fe\ufffef\uffffg', ['key\u0085']: ['\u0080'], ok: 'tab\there é 😀 \ufeff \u2028' };
    const file = renderValuesYaml(values);
    expect(file).toMatch(READABLE_RAW);
    expect(parse(file)).toEqual(values);
  });
});
