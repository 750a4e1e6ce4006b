import { HttpStatus } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopbackHost } from '../../shared/off-limits-host';
import { ProblemException } from '../problem';

/**
 * Requests a browser sends on another site's behalf. Without API tokens SMO binds to loopback and lets every
 * request through, so any web page open in the operator's browser could drive it:
 * - a command sent from another site: a POST without a body, or upstream's `GET …/stop`, needs no CORS
 *   preflight, so it runs though the page never reads the answer;
 * - a DNS name of the page's own rebound to 127.0.0.1: its requests are then same-origin, answers included.
 * Clients that are no browser (curl, the smo CLI, Alertmanager) send neither `Origin` nor `Sec-Fetch-Site`.
 */

/**
 * A command a browser sent from another site: 403. A browser that sends `Sec-Fetch-Site` (a header no page can set)
 * says where the request comes from, and only `same-origin` (the console) and `none` (the address bar) may command.
 * Only without it is the `Origin` compared with the request's `Host`: behind a reverse proxy the two differ for SMO's
 * own pages (nginx passes SMO a loopback Host by default, `$host` drops the port), so the Origin cannot tell there.
 */
export function refuseCrossSiteCommand(headers: IncomingHttpHeaders): void {
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  const fromElsewhere =
    site !== undefined ? site !== 'same-origin' && site !== 'none' : origin !== undefined && hostOfOrigin(origin) !== headers.host?.toLowerCase();
  if (fromElsewhere) {
    throw ProblemException.of(HttpStatus.FORBIDDEN, 'A browser sent this command from another site (Sec-Fetch-Site or Origin); SMO runs commands only from its own pages or from clients that are no browser');
  }
}

/**
 * On an SMO bound to loopback, a request for another host (a DNS name rebound to 127.0.0.1): 421. The host it is for
 * is its `Host`, unless its target is in absolute form (`GET http://host/path`): HTTP then takes the target's
 * authority and ignores the Host (RFC 9112 §3.2.2), and so does Fastify's router. Such a request is refused unless
 * both name the same loopback host, since SMO reads the Host elsewhere (the Origin check of refuseCrossSiteCommand).
 */
export function refuseForeignHost(target: string, headers: IncomingHttpHeaders): void {
  const { host } = headers;
  // Origin-form (`/graphs/x`), the form a browser sends a server, costs one lookup (isLoopbackHostHeader).
  const originForm = target.charCodeAt(0) === SLASH || !target.includes('://');
  if (originForm ? host === undefined || isLoopbackHostHeader(host) : isLoopbackAbsoluteTarget(target, host)) return;
  throw ProblemException.of(HttpStatus.MISDIRECTED, 'This SMO listens on loopback and answers only requests for a loopback host (localhost, 127.0.0.1, [::1]); set SMO_BIND to serve other names');
}

const SLASH = 0x2f;

/**
 * Host headers already judged, so that the check costs every request one lookup (it runs on the reads
 * answered from the cache too). Bounded: the header is the client's to choose.
 */
const judgedHosts = new Map<string, boolean>();
const JUDGED_HOSTS_KEPT = 64;

function isLoopbackHostHeader(host: string): boolean {
  let loopback = judgedHosts.get(host);
  if (loopback === undefined) {
    loopback = isLoopbackHost(hostnameOf(host));
    if (judgedHosts.size >= JUDGED_HOSTS_KEPT) judgedHosts.clear();
    judgedHosts.set(host, loopback);
  }
  return loopback;
}

/** Whether an absolute-form target names a loopback host, read as URL parsing (and the router) reads it, and the Host (if any) says the same. */
function isLoopbackAbsoluteTarget(target: string, host: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  return isLoopbackHost(url.hostname) && (host === undefined || host.toLowerCase() === url.host);
}

/** Whether SMO_BIND is a loopback address, so that every request for SMO names a loopback host. */
export function bindsLoopbackOnly(bind: string): boolean {
  return isLoopbackHost(bind.includes(':') ? `[${bind}]` : bind);
}

/** `host[:port]` of an Origin (`null` and malformed ones name no host). */
function hostOfOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** The name of a Host header without its port (`[::1]:8000` → `[::1]`). */
function hostnameOf(host: string): string {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}
