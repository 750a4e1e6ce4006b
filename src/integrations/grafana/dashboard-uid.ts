import { createHash } from 'node:crypto';

/** Grafana refuses a dashboard uid longer than this with 400 (upstream bug B28). */
export const MAX_DASHBOARD_UID_LENGTH = 40;

/** The characters Grafana accepts in a uid; SMO's graph and service ids (DNS-1123 labels) qualify. */
const USABLE_AS_UID = /^[A-Za-z0-9_-]{1,40}$/;
const ILLEGAL_UID_CHARACTER = /[^A-Za-z0-9_-]/g;
const PREFIX_LENGTH = 31;
const HASH_LENGTH = 8;

/**
 * The dashboard uid for a graph, service or cluster name. Upstream uses the name as is, so long
 * names fail to publish (B28). A name that Grafana accepts is kept, so upstream links stay valid.
 * Any other name (longer than 40, or with characters such as '.' found in cluster names) becomes
 * its first 31 characters, illegal ones replaced by '-', then '-' and 8 hex characters of
 * sha256(name): at most 40 characters, recognisable, stable across restarts, and distinct for
 * names that share the prefix.
 */
export function dashboardUid(name: string): string {
  if (USABLE_AS_UID.test(name)) return name;
  const prefix = Array.from(name).slice(0, PREFIX_LENGTH).join('').replace(ILLEGAL_UID_CHARACTER, '-');
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  return `${prefix}-${hash}`;
}
