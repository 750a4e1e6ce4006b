import { isRecord } from '../../shared/is-record';

/**
 * Whether a Kubernetes LabelSelector (`matchLabels`, `matchExpressions`) selects an object with these labels, as the
 * API machinery reads one: every term must hold, an empty selector selects everything. `unknown` for a selector this
 * code cannot read (an operator it does not know, a malformed term): the caller must not conclude either way.
 * Null or absent is the caller's to interpret (the Prometheus Operator reads it as "nothing" or "own namespace").
 */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean | 'unknown' {
  if (!isRecord(selector)) return 'unknown';
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (!isRecord(matchLabels) || !Array.isArray(matchExpressions)) return 'unknown';
  let holds = Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
  for (const term of matchExpressions) {
    if (!isRecord(term) || typeof term.key !== 'string') return 'unknown';
    const values = Array.isArray(term.values) ? term.values : [];
    const has = Object.hasOwn(labels, term.key);
    const value = labels[term.key];
    switch (term.operator) {
      case 'In':
        holds &&= has && values.includes(value);
        break;
      case 'NotIn':
        holds &&= !has || !values.includes(value);
        break;
      case 'Exists':
        holds &&= has;
        break;
      case 'DoesNotExist':
        holds &&= !has;
        break;
      default:
        return 'unknown';
    }
  }
  return holds;
}

/** `matchLabels` and `matchExpressions` both empty: selects everything. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels, matchExpressions } = selector;
  return (matchLabels === undefined || (isRecord(matchLabels) && Object.keys(matchLabels).length === 0)) && (matchExpressions === undefined || (Array.isArray(matchExpressions) && matchExpressions.length === 0));
}
