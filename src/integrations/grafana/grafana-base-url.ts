/**
 * Validates GRAFANA_HOST once, at construction. Messages never echo the value: a URL written
 * as http://user:password@host would otherwise leak the password into logs.
 */
export function grafanaBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('Grafana base URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Grafana base URL must use http or https (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new Error('Grafana base URL must not carry credentials; set the username and password options');
  }
  if (url.search || url.hash) throw new Error('Grafana base URL must not have a query or fragment');
  // Keep a sub-path (Grafana served under /grafana); drop trailing slashes so paths join cleanly.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
