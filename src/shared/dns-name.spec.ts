import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, HELM_RELEASE_MAX_LENGTH, isDnsLabel } from './dns-name';

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
  });
});
