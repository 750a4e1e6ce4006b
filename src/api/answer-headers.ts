import { CONSOLE_CSP } from '../ui/console-routes';

/** Where an answer's headers are set: Fastify's reply, or the headers the front door writes itself (front-door.ts). */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const EVERY_ANSWER = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' } as const;
/** The security headers of an API answer. */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...EVERY_ANSWER, 'content-security-policy': API_CSP });
const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...EVERY_ANSWER, 'content-security-policy': CONSOLE_CSP });
const DOCS_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...EVERY_ANSWER });

/** The security headers of the answer to `url`: the Swagger UI needs its inline scripts, so no CSP there; the console loads its own script and style. */
export function securityHeadersOf(url: string): Readonly<Record<string, string>> {
  if (url === '/ui' || url.startsWith('/ui/') || url.startsWith('/ui?')) return CONSOLE_SECURITY_HEADERS;
  return url.startsWith('/docs') ? DOCS_SECURITY_HEADERS : API_SECURITY_HEADERS;
}
