import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  assertSafeKubeconfig,
  KubeconfigInvalidError,
  loadKubeconfigFile,
  loadKubeconfigText,
  UnsafeKubeconfigError,
} from './kubeconfig';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'karmada', cluster: { server: 'https://10.0.3.21:6443', 'certificate-authority-data': 'LS0tLS1CRUdJTg==', ...cluster } },
      { name: 'member', cluster: { server: 'https://10.0.3.22:6443' } },
    ],
    users: [{ name: 'admin', user }],
    contexts: [
      { name: 'karmada-apiserver', context: { cluster: 'karmada', user: 'admin' } },
      { name: 'member1', context: { cluster: 'member', user: 'admin' } },
    ],
    'current-context': 'karmada-apiserver',
  });
}

const SAFE_USER = { token: 'abc', 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' };

describe('assertSafeKubeconfig', () => {
  it.each([
    ['exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'id'] } }],
    ['auth-provider', { 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } }],
    ['tokenFile', { tokenFile: '/etc/shadow' }],
    ['token-file', { 'token-file': '/etc/shadow' }],
    ['client-certificate', { 'client-certificate': '/etc/ssl/private/admin.crt' }],
    ['client-key', { 'client-key': '/etc/ssl/private/admin.key' }],
  ])('refuses a user with %s, naming the field', (field, user) => {
    const text = kubeconfig({ token: 'abc', ...user });
    expect(() => assertSafeKubeconfig(text)).toThrow(UnsafeKubeconfigError);
    expect(() => assertSafeKubeconfig(text)).toThrow(`users[0] "admin": "${field}" is not allowed`);
  });

  it('refuses a certificate-authority path on a cluster', () => {
    const text = kubeconfig(SAFE_USER, { 'certificate-authority': '/etc/kubernetes/pki/ca.crt' });
    expect(() => assertSafeKubeconfig(text)).toThrow(expect.objectContaining({ field: 'certificate-authority', location: 'clusters[0] "karmada"' }));
  });

  it('accepts inline *-data credentials and tokens', () => {
    expect(() => assertSafeKubeconfig(kubeconfig(SAFE_USER))).not.toThrow();
  });

  it('sees through YAML merge keys (js-yaml 4 applied them)', () => {
    const text = [
      'evil: &evil',
      '  exec: {command: /bin/sh}',
      'clusters: [{name: c, cluster: {server: "https://h"}}]',
      'users:',
      '  - name: sneaky',
      '    user:',
      '      <<: *evil',
      'contexts: [{name: x, context: {cluster: c, user: sneaky}}]',
      'current-context: x',
    ].join('\n');
    expect(() => assertSafeKubeconfig(text)).toThrow(expect.objectContaining({ field: 'exec' }));
  });

  it('checks a loaded KubeConfig object too (all but tokenFile, which loading already read)', () => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig({ 'client-key': '/tmp/key.pem' }));
    expect(() => assertSafeKubeconfig(kc)).toThrow(expect.objectContaining({ field: 'client-key' }));
    const safe = new KubeConfig();
    safe.loadFromString(kubeconfig(SAFE_USER));
    expect(() => assertSafeKubeconfig(safe)).not.toThrow();
  });

  it('refuses text that is not a kubeconfig mapping with KubeconfigInvalidError', () => {
    expect(() => assertSafeKubeconfig('- just\n- a list')).toThrow(KubeconfigInvalidError);
    expect(() => assertSafeKubeconfig('users: {a: 1}')).toThrow(KubeconfigInvalidError);
    expect(() => assertSafeKubeconfig('key: [unclosed')).toThrow(KubeconfigInvalidError);
  });
});

describe('loading a kubeconfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-spec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('loads the current context, or the one asked for', () => {
    const path = file('plain.yaml', kubeconfig(SAFE_USER));
    expect(loadKubeconfigFile(path, { trusted: false }).getCurrentCluster()?.server).toBe('https://10.0.3.21:6443');
    expect(loadKubeconfigFile(path, { trusted: false, context: 'member1' }).getCurrentCluster()?.server).toBe('https://10.0.3.22:6443');
  });

  it('refuses an unknown context', () => {
    const path = file('plain2.yaml', kubeconfig(SAFE_USER));
    expect(() => loadKubeconfigFile(path, { trusted: true, context: 'nope' })).toThrow('has no context "nope"');
  });

  it('refuses tokenFile in an untrusted file before client-node reads that file', () => {
    const secret = file('secret.txt', 'stolen');
    const path = file('token-file.yaml', kubeconfig({ 'token-file': secret }));
    expect(() => loadKubeconfigFile(path, { trusted: false })).toThrow(UnsafeKubeconfigError);
  });

  it('lets the operator’s trusted kubeconfig use exec and file paths', () => {
    const path = file('trusted.yaml', kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubelogin' } }, { 'certificate-authority': 'ca.crt' }));
    const kc = loadKubeconfigFile(path, { trusted: true });
    // relative paths resolve against the kubeconfig's directory
    expect(kc.getCurrentCluster()?.caFile).toBe(join(dir, 'ca.crt'));
    expect(() => loadKubeconfigText(kubeconfig({ exec: { command: 'x' } }), { trusted: false })).toThrow(UnsafeKubeconfigError);
  });

  it('reports an unreadable file or broken YAML as KubeconfigInvalidError', () => {
    expect(() => loadKubeconfigFile(join(dir, 'missing.yaml'), { trusted: false })).toThrow(KubeconfigInvalidError);
    expect(() => loadKubeconfigFile(join(dir, 'missing.yaml'), { trusted: true })).toThrow(KubeconfigInvalidError);
    expect(() => loadKubeconfigText('clusters: [{name: c}]', { trusted: false })).toThrow(KubeconfigInvalidError);
  });
});
