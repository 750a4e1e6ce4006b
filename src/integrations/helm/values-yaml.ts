import { stringify } from 'yaml';

/**
 * Characters helm's reader (go-yaml, YAML 1.1) does not take raw, which yaml writes raw (it escapes only
 * C0 controls): DEL, the C1 controls and U+FFFE/U+FFFF make helm refuse the whole file ("control characters
 * are not allowed"), NEL (U+0085), a line break to YAML 1.1, is folded into a space, and LS (U+2028) and PS (U+2029),
 * line breaks too, make helm refuse the file when a key holds one ("mapping values are not allowed in this context").
 */
const NOT_READ_RAW = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g;

/**
 * Renders chart values as the YAML file passed with `--values`.
 *
 * helm reads values with a YAML 1.1 resolver (sigs.k8s.io/yaml over go-yaml v2), where plain
 * `yes`, `on`, `n`, `1_000`, `0o17` or `2001-12-14` stop being strings and a plain `<<` key is a
 * merge. So every key and string is double-quoted and never folded: the file means the same to
 * any YAML 1.1 or 1.2 reader (the real-helm test checks this with `helm template`). Inside double
 * quotes, the characters helm would refuse or fold are written as escapes (`\x7f`, `\x85`, `\u2028`, `\ufffe`).
 */
export function renderValuesYaml(values: Record<string, unknown>): string {
  const text = stringify(values, {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'QUOTE_DOUBLE',
    lineWidth: 0,
  });
  // Every key and string is double-quoted, so these characters only occur inside double quotes, never in an escape.
  return text.replace(NOT_READ_RAW, escapeSequence);
}

function escapeSequence(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
