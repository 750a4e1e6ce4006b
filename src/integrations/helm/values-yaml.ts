import { stringify } from 'yaml';

/**
 * Renders chart values as the YAML file passed with `--values`.
 *
 * helm reads values with a YAML 1.1 resolver (sigs.k8s.io/yaml over go-yaml v2), where plain
 * `yes`, `on`, `n`, `1_000`, `0o17` or `2001-12-14` stop being strings and a plain `<<` key is a
 * merge. So every key and string is double-quoted and never folded: the file means the same to
 * any YAML 1.1 or 1.2 reader (the real-helm test checks this with `helm template`).
 */
export function renderValuesYaml(values: Record<string, unknown>): string {
  return stringify(values, {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'QUOTE_DOUBLE',
    lineWidth: 0,
  });
}
