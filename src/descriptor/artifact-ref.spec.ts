import { ARTIFACT_REF_SCHEMES, checkArtifactRef } from './artifact-ref';

const oci = { schemes: ['oci'] } as const;

describe('checkArtifactRef', () => {
  it.each([
    ['oci://10.0.3.53:5000/test/noise-reduction', { scheme: 'oci', host: '10.0.3.53', port: 5000, path: 'test/noise-reduction' }],
    ['oci://127.0.0.1:5000/demo2/ml-inference', { scheme: 'oci', host: '127.0.0.1', port: 5000, path: 'demo2/ml-inference' }],
    ['oci://nephele-platform.netmode.ece.ntua.gr/brussels-demo/image-detection', { scheme: 'oci', host: 'nephele-platform.netmode.ece.ntua.gr', port: undefined, path: 'brussels-demo/image-detection' }],
    ['oci://ghcr.io/org/charts/app:1.2.3', { scheme: 'oci', host: 'ghcr.io', port: undefined, path: 'org/charts/app:1.2.3' }],
    [`oci://r.example/app@sha256:${'a'.repeat(64)}`, { scheme: 'oci', host: 'r.example', port: undefined, path: `app@sha256:${'a'.repeat(64)}` }],
    ['oci://r/my__app/v1.0_x', { scheme: 'oci', host: 'r', port: undefined, path: 'my__app/v1.0_x' }],
  ])('accepts %s', (ref, parsed) => {
    expect(checkArtifactRef(ref, oci)).toEqual({ ok: true, ref: parsed });
  });

  it.each([
    ['oci://r:5000', /must have the form/],
    ['oci://r/', /must have the form/],
    ['oci://r//x', /must have the form/],
    ['oci://user:pw@r/x', /must have the form/],
    ['oci://r/x?y=1', /shell metacharacters \(found "\?"\)/],
    ['oci://r/-x', /must have the form/],
    ['oci://r/x/.', /"\." or "\.\." path segments/],
    ['oci://r:0/x', /port outside 1-65535/],
    ['oci://r:70000/x', /port outside 1-65535/],
    ['oci://-r/x', /must have the form/],
    ['oci://r/x\n', /whitespace or control characters/],
    ['oci://r/x\u0000', /whitespace or control characters/],
    ['oci://r/`id`', /shell metacharacters \(found "`"\)/],
    ['oci://r/a|b', /shell metacharacters \(found "\|"\)/],
    ['oci://r/a&b', /shell metacharacters/],
    ['oci://r/a>b', /shell metacharacters/],
    ['OCI://r/x', /must start with oci:\/\//],
    ['https://r/x', /must start with oci:\/\//],
    [`oci://r/${'a'.repeat(600)}`, /at most 512 characters/],
  ])('refuses %p', (ref, reason) => {
    const verdict = checkArtifactRef(ref, oci);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });

  it('takes http, https and oci for hdarctl artifact refs', () => {
    for (const ref of ['http://10.0.3.53:5000/test/image-detection-graph', 'https://hdar.example/p/g', 'oci://hdar.example/p/g']) {
      expect(checkArtifactRef(ref, { schemes: ARTIFACT_REF_SCHEMES }).ok).toBe(true);
    }
  });

  it('matches an allowlist by host or host:port, case-insensitively', () => {
    const rules = { schemes: ['oci'], allowedHosts: ['Registry.example', '10.0.3.53:5000'] } as const;
    expect(checkArtifactRef('oci://registry.example:443/a', rules).ok).toBe(true);
    expect(checkArtifactRef('oci://10.0.3.53:5000/a', rules).ok).toBe(true);
    expect(checkArtifactRef('oci://10.0.3.53:5001/a', rules).ok).toBe(false);
    expect(checkArtifactRef('oci://169.254.169.254/a', rules)).toEqual({ ok: false, reason: 'registry "169.254.169.254" is not in the allowed list' });
  });
});
