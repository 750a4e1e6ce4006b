/**
 * Validates PROMETHEUS_HOST once, at construction, so a typo fails start-up rather than every
 * query. Messages never echo the value (it could hold credentials).
 */
export function prometheusBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('Prometheus base URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Prometheus base URL must use http or https (got ${url.protocol})`);
  }
  // fetch refuses URLs with credentials anyway.
  if (url.username || url.password) throw new Error('Prometheus base URL must not carry credentials');
  if (url.search || url.hash) throw new Error('Prometheus base URL must not have a query or fragment');
  // Keep a sub-path (Prometheus behind /prometheus); drop trailing slashes so paths join cleanly.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function assertPositiveTimeout(timeoutMs: number, what: string): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`${what} must be a positive number of milliseconds`);
}
