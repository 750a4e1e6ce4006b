/** A parsed JSON/YAML mapping: an object that is neither null nor an array. */
export type JsonRecord = { [key: string]: unknown };

/** The one test for "is this a JSON object?" used by every parser, adapter and fake. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
