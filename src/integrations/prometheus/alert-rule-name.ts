import { createHash } from 'node:crypto';

/** Alert names become the `alertname` label, so they follow the label-name grammar. */
export const ALERT_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus sets no limit; this keeps names readable in Alertmanager and Grafana. */
export const MAX_ALERT_NAME_LENGTH = 100;

/** Letters and digits, single dashes between them: DNS-1123 labels and most event ids. */
const PLAIN_PART = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const HASH_LENGTH = 12;

/**
 * The rule name of one descriptor event of one service of one graph: `smo_<graph>__<service>__<event>`
 * with `-` → `_`. Upstream named rules after the event id alone, so graphs collided (B19).
 *
 * Distinct triples always give distinct names: a readable name splits back on `__` into its three
 * parts (plain parts hold no `_` nor `--`) and never contains `___`. Any other triple (other
 * characters, `_`, `--`, empty parts, too long) gets `<sanitised prefix>___<12 hex of sha256>`.
 */
export function alertRuleName(graphId: string, serviceId: string, eventId: string): string {
  const parts = [graphId, serviceId, eventId];
  const readable = `smo_${parts.map((part) => part.replace(/-/g, '_')).join('__')}`;
  if (parts.every((part) => PLAIN_PART.test(part)) && readable.length <= MAX_ALERT_NAME_LENGTH) return readable;

  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, HASH_LENGTH);
  const sanitised = `smo_${parts.map((part) => part.replace(/[^A-Za-z0-9]/g, '_')).join('__')}`;
  return `${sanitised.slice(0, MAX_ALERT_NAME_LENGTH - HASH_LENGTH - 3)}___${hash}`;
}

export function isValidAlertName(name: string): boolean {
  return ALERT_NAME_PATTERN.test(name);
}
