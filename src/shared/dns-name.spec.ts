import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, HELM_RELEASE_MAX_LENGTH, isDnsLabel, isDnsSubdomain, isDnsSubdomainPrefix } from './dns-name';

describe('DNS-1123 names', () => {
  const labels = ['a', 'web-1', '0abc', 'a'.repeat(63)];
  const notLabels = ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a'.repeat(64)];

  it('accepts labels and refuses the rest; the JSON-Schema pattern agrees', () => {
    const pattern = new RegExp(DNS_LABEL_PATTERN);
    for (const name of labels) expect([name, isDnsLabel(name), pattern.test(name)]).toEqual([name, true, true]);
    for (const name of notLabels) expect([name, isDnsLabel(name), pattern.test(name)]).toEqual([name, false, false]);
  });

  it('takes a tighter limit where the name becomes a Helm release', () => {
    expect(isDnsLabel('a'.repeat(HELM_RELEASE_MAX_LENGTH), HELM_RELEASE_MAX_LENGTH)).toBe(true);
    expect(isDnsLabel('a'.repeat(HELM_RELEASE_MAX_LENGTH + 1), HELM_RELEASE_MAX_LENGTH)).toBe(false);
  });

  it('accepts dotted subdomains up to 253 characters, labels joined by single dots', () => {
    const pattern = new RegExp(DNS_SUBDOMAIN_PATTERN);
    const accepted = ['member1', 'edge.brussels-1', 'a'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`];
    const refused = ['', '.a', 'a.', 'A.b', 'a..b', 'a.-b', 'a-.b', 'a_b.c', 'a'.repeat(254)];
    expect(accepted.filter((name) => !pattern.test(name))).toEqual([]);
    expect(refused.filter((name) => pattern.test(name))).toEqual([]);
    expect(accepted.filter((name) => !isDnsSubdomain(name))).toEqual([]);
    expect(refused.filter((name) => isDnsSubdomain(name))).toEqual([]);
  });

  it('accepts a prefix that gives a subdomain before any label up to 63 characters, and refuses the rest', () => {
    const longest = 'a'.repeat(253 - 63);
    const accepted = ['', 'smo-alerts-', 'smo.', 'smo', 'nephele.smo-', longest];
    const refused = ['Smo-', '-smo', '.smo', 'smo..', 'smo_', 'smo.-', `${longest}a`];
    expect(accepted.filter((prefix) => !isDnsSubdomainPrefix(prefix))).toEqual([]);
    expect(refused.filter((prefix) => isDnsSubdomainPrefix(prefix))).toEqual([]);
    // What the prefix promises: with a label of the longest kind after it, a subdomain.
    for (const prefix of accepted) for (const label of ['a', '0-0', 'a'.repeat(63)]) expect(isDnsSubdomain(`${prefix}${label}`)).toBe(true);
  });
});
