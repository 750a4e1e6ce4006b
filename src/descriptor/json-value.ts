import type { JsonRecord } from '../shared/is-record';

export { isRecord, type JsonRecord } from '../shared/is-record';

/** Own members only: a "__proto__" or "constructor" key in a body must not reach Object.prototype. */
export function member(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** "an array", "a string", "null" … for messages like "must be an object (got an array)". */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? `a ${typeof value} (${String(value)})` : `a ${typeof value}`;
}
