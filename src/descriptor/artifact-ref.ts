/**
 * Artifact references that SMO hands to CLIs as positional arguments: Helm chart refs
 * (`services[].artifact.ociImage`, oci:// only) and HDAG artifact refs for `hdarctl pull`
 * (http://, https:// or oci://). The grammar is strict on purpose: such a
 * ref can never be read as a flag, a path, or shell syntax, whatever runs it.
 */
export type RefScheme = 'oci' | 'http' | 'https';

export interface ArtifactRef {
  readonly scheme: RefScheme;
  readonly host: string;
  readonly port: number | undefined;
  /** Repository path without the leading "/", tag or digest included, e.g. `test/noise-reduction`. */
  readonly path: string;
}

export interface RefRules {
  readonly schemes: readonly RefScheme[];
  /** Registry allowlist (`host` or `host:port`); undefined allows every host (SSRF, see README). */
  readonly allowedHosts?: readonly string[];
}

export type RefVerdict = { readonly ok: true; readonly ref: ArtifactRef } | { readonly ok: false; readonly reason: string };

export const MAX_REF_LENGTH = 512;

/** Refs accepted in `{"artifact": …}`: what `hdarctl pull` takes (upstream used http://). */
export const ARTIFACT_REF_SCHEMES: readonly RefScheme[] = ['http', 'https', 'oci'];

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** OCI distribution-spec repository name components: lowercase, single separators, no empty or dot segments. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
const REF_PATTERN = refPattern('oci|https?', '[0-9]{1,5}');
/** 1-65535. */
const PORT = '(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

/** The whole grammar as one regular expression (for the published JSON Schema): a ref it matches passes `checkArtifactRef`. */
export function refRegExp(schemes: readonly RefScheme[]): RegExp {
  return refPattern(schemes.join('|'), PORT);
}

function refPattern(schemes: string, port: string): RegExp {
  return new RegExp(`^(${schemes})://(${LABEL}(?:\\.${LABEL})*)(?::(${port}))?/(${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@sha256:[a-f0-9]{64})?)$`);
}
const SHELL_METACHARACTERS = /[;&|`$<>(){}[\]*?!~'"\\#]/;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

const FORM = 'scheme://host[:port]/path with lowercase path segments of letters, digits and single ".", "_" or "-" separators, and an optional :tag';

export function checkArtifactRef(ref: unknown, rules: RefRules): RefVerdict {
  if (typeof ref !== 'string') return refuse('must be a string');
  if (ref === '') return refuse('must not be empty');
  if (ref.length > MAX_REF_LENGTH) return refuse(`must be at most ${MAX_REF_LENGTH} characters`);
  if (ref.startsWith('-')) return refuse('must not start with "-" (it would be read as a command-line flag)');
  const metacharacter = SHELL_METACHARACTERS.exec(ref)?.[0];
  if (metacharacter !== undefined) return refuse(`must not contain shell metacharacters (found "${metacharacter}")`);
  if (WHITESPACE_OR_CONTROL.test(ref)) return refuse('must not contain whitespace or control characters');
  if (ref.split('/').some((segment) => segment === '..' || segment === '.')) {
    return refuse('must not contain "." or ".." path segments');
  }
  const schemes = rules.schemes.map((scheme) => `${scheme}://`).join(' or ');
  if (!rules.schemes.some((scheme) => ref.startsWith(`${scheme}://`))) return refuse(`must start with ${schemes}`);
  const match = REF_PATTERN.exec(ref);
  const [, scheme, host = '', portText, path = ''] = match ?? [];
  if (!match || !isScheme(scheme)) return refuse(`must have the form ${FORM}`);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return refuse('has a port outside 1-65535');
  if (rules.allowedHosts && !isAllowed(host, portText, rules.allowedHosts)) {
    return refuse(`registry "${host}${portText ? `:${portText}` : ''}" is not in the allowed list`);
  }
  return { ok: true, ref: { scheme, host, port, path } };
}

function isScheme(value: string | undefined): value is RefScheme {
  return value === 'oci' || value === 'http' || value === 'https';
}

function isAllowed(host: string, port: string | undefined, allowed: readonly string[]): boolean {
  const lowerHost = host.toLowerCase();
  return allowed.some((entry) => {
    const wanted = entry.toLowerCase();
    return wanted === lowerHost || (port !== undefined && wanted === `${lowerHost}:${port}`);
  });
}

function refuse(reason: string): RefVerdict {
  return { ok: false, reason };
}
