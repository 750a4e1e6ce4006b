/**
 * `--reuse-values` as the simulated helm applies it: the new values are laid over the release's
 * current ones. Plain objects merge key by key; anything else (scalars, arrays, null) in the new
 * values replaces the old value whole, as helm's coalescing does for user-supplied values.
 * Neither input is modified.
 */
export function mergeValues(current: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged = new Map<string, unknown>(Object.entries(current));
  for (const [key, value] of Object.entries(overrides)) {
    const previous = merged.get(key);
    merged.set(key, isPlainObject(previous) && isPlainObject(value) ? mergeValues(previous, value) : value);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data and never touches a prototype.
  return Object.fromEntries(merged);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
