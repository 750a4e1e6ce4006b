import { chartProblem, namespaceProblem, releaseProblem, revisionProblem } from './helm-arguments';

describe('helm positional argument checks', () => {
  it.each([
    'oci://registry.local:5000/brussels/noise-reduction',
    'oci://10.0.3.53:5000/test/image-detection',
    'oci://registry/project/chart:1.2.3',
    'oci://registry/project/chart@sha256:0123abcd',
    'https://charts.example.org/repo/chart-0.1.0.tgz',
    'http://registry:5000/p/c',
  ])('accepts the chart reference %s', (chart) => {
    expect(chartProblem(chart)).toBeNull();
  });

  it.each([
    '-x',
    '--set=a=b',
    'oci://',
    'oci://registry',
    'file:///etc/passwd',
    '/charts/local',
    'charts/local.tgz',
    'oci://registry/a/../b',
    'oci://registry/a b',
    'oci://registry/a\nb',
    'oci://registry/a;rm -rf /',
    'oci://registry/a$(id)',
    'oci://-registry/a',
    `oci://registry/${'a'.repeat(600)}`,
  ])('refuses the chart reference %j', (chart) => {
    expect(chartProblem(chart)).toEqual(expect.any(String));
  });

  it('accepts DNS-1123 labels up to helm’s 53 characters for releases and 63 for namespaces', () => {
    expect(releaseProblem('a'.repeat(53))).toBeNull();
    expect(releaseProblem('noise-reduction-2')).toBeNull();
    expect(releaseProblem('a'.repeat(54))).toMatch(/longer than 53/);
    expect(namespaceProblem('n'.repeat(63))).toBeNull();
    expect(namespaceProblem('n'.repeat(64))).toMatch(/longer than 63/);
  });

  it.each(['', '-x', 'x-', 'Upper', 'a.b', 'a_b', 'a;b', '../x', 'a b'])('refuses the name %j', (name) => {
    expect(releaseProblem(name)).toEqual(expect.any(String));
    expect(namespaceProblem(name)).toEqual(expect.any(String));
  });

  it('accepts only positive integer revisions', () => {
    expect(revisionProblem(1)).toBeNull();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(revisionProblem(bad)).toEqual(expect.any(String));
  });
});
