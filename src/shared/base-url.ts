/**
 * Validates the base URL of a service SMO calls (Grafana, Prometheus, NFVCL) once, at start-up, so a
 * typo fails early rather than every call. Messages never echo the value: a URL written as
 * http://user:password@host would otherwise leak the password into logs.
 */
export function serviceBaseUrl(raw: string, service: string, credentialsHint = ''): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${service} base URL is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${service} base URL must use http or https (got ${url.protocol})`);
  if (url.username || url.password) throw new Error(`${service} base URL must not carry credentials${credentialsHint}`);
  if (url.search || url.hash) throw new Error(`${service} base URL must not have a query or fragment`);
  // Keep a sub-path (served under /grafana, /prometheus…); drop trailing slashes so paths join cleanly.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
