/**
 * MongoDB refuses a field name with a NUL, and in stored documents FerretDB refuses any '.' and MongoDB a
 * leading '$' (update documents). Read-model documents carry names SMO does not choose: cluster labels
 * (`smo.nephele.eu/trusted`), Helm values (`prometheus.io/scrape`, `$schema`). So every field name is
 * stored escaped, reversibly: '%' as %25 first, then '.' as %2E, '$' as %24 and NUL as %00. SMO's own
 * field names (those queried and indexed) hold none of these characters and are stored as they are.
 */
const NEEDS_ESCAPE = /[%.$\0]/;
const ESCAPED = /%(?:25|2E|24|00)/;

/** The value with every field name escaped; the same object when none needs it. */
export function withStoredKeys(value: unknown): unknown {
  return mapKeys(value, NEEDS_ESCAPE, escapeKey);
}

/** The value as it was before `withStoredKeys`; the same object when no name was escaped. */
export function withReadKeys(value: unknown): unknown {
  return mapKeys(value, ESCAPED, unescapeKey);
}

function escapeKey(key: string): string {
  return key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24').replace(/\0/g, '%00');
}

function unescapeKey(key: string): string {
  return key.replace(/%(25|2E|24|00)/g, (_, code: string) => String.fromCharCode(parseInt(code, 16)));
}

/** Copy-on-write: a subtree whose names all stay as they are is returned as it is. */
function mapKeys(value: unknown, changes: RegExp, change: (key: string) => string): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const mapped = mapKeys(item, changes, change);
      if (mapped !== item) (copy ??= value.slice())[index] = mapped;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = false;
  const mapped = entries.map(([key, item]): [string, unknown] => {
    const name = changes.test(key) ? change(key) : key;
    const inner = mapKeys(item, changes, change);
    if (name !== key || inner !== item) changed = true;
    return [name, inner];
  });
  return changed ? Object.fromEntries(mapped) : value;
}
