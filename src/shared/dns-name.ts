/**
 * Kubernetes' two name rules (RFC 1123), one definition each. A label (namespaces, Helm releases,
 * graph and service ids) is lowercase letters, digits and "-", starting and ending with a letter or
 * digit; a subdomain (cluster and node names) is labels joined by ".". Where a name becomes
 * something with a tighter limit (a Helm release: 53), the caller passes that limit.
 */
export const DNS_LABEL_MAX_LENGTH = 63;
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;
/** helm's maxReleaseNameLen (pkg/chartutil/validate_name.go): release names are shorter labels. */
export const HELM_RELEASE_MAX_LENGTH = 53;

/** The label rule as a JSON-Schema pattern, length included (for the OpenAPI document). */
export const DNS_LABEL_PATTERN = `^[a-z0-9]([-a-z0-9]{0,${DNS_LABEL_MAX_LENGTH - 2}}[a-z0-9])?$`;
/**
 * The subdomain rule as a JSON-Schema pattern, length included (the lookahead): labels joined by single
 * dots, so "a..b" and "a.-b" are refused.
 */
export const DNS_SUBDOMAIN_PATTERN = `^(?=.{1,${DNS_SUBDOMAIN_MAX_LENGTH}}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;

/** The label rule without its length bound (check the length separately). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL = DNS_LABEL;

export function isDnsLabel(value: string, maxLength = DNS_LABEL_MAX_LENGTH): boolean {
  return value.length <= maxLength && LABEL.test(value);
}

const SUBDOMAIN = new RegExp(DNS_SUBDOMAIN_PATTERN);

export function isDnsSubdomain(value: string): boolean {
  return SUBDOMAIN.test(value);
}

/** A prefix that makes a DNS-1123 subdomain of every DNS label up to `labelLength` put after it (e.g. "smo-alerts-"). */
export function isDnsSubdomainPrefix(prefix: string, labelLength = DNS_LABEL_MAX_LENGTH): boolean {
  return prefix.length + labelLength <= DNS_SUBDOMAIN_MAX_LENGTH && isDnsSubdomain(`${prefix}a`);
}
