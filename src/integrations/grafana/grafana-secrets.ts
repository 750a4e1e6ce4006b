
/** `Authorization` for the configured credentials: a service-account token wins over basic auth. */
export function authorizationHeader(username?: string, password?: string, apiToken?: string): string | undefined {
  if (apiToken) return `Bearer ${apiToken}`;
  if (username === undefined && password === undefined) return undefined; // anonymous Grafana
  return `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`, 'utf8').toString('base64')}`;
}
