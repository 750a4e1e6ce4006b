import { isReleaseNotFound, parseHistoryJson, parseStatusJson } from './helm-release-json';

describe('reading helm status and history JSON', () => {
  it.each([
    ['deployed', 'deployed'],
    ['failed', 'failed'],
    ['pending-install', 'pending-install'],
    ['pending-upgrade', 'pending-upgrade'],
    ['pending-rollback', 'pending-rollback'],
    ['uninstalling', 'uninstalling'],
    ['superseded', 'superseded'],
    ['uninstalled', 'unknown'],
    ['unknown', 'unknown'],
    ['something-new', 'unknown'],
  ])('maps helm status %s to %s', (helmStatus, state) => {
    const stdout = JSON.stringify({ name: 'r', info: { status: helmStatus, description: 'x' }, manifest: '---', version: 4, namespace: 'ns' });
    expect(parseStatusJson(stdout)).toEqual({ state, revision: 4 });
  });

  it('answers unknown for output that is not helm status JSON', () => {
    expect(parseStatusJson('')).toEqual({ state: 'unknown', revision: null });
    expect(parseStatusJson('[]')).toEqual({ state: 'unknown', revision: null });
    expect(parseStatusJson('{"info":{"status":3},"version":"2"}')).toEqual({ state: 'unknown', revision: null });
  });

  it('reads history rows sorted by revision and skips malformed ones', () => {
    const stdout = JSON.stringify([
      { revision: 2, updated: 't', status: 'deployed', chart: 'c-0.1.0', app_version: '1', description: 'Upgrade complete' },
      { revision: 1, status: 'superseded' },
      { status: 'deployed' },
      'junk',
    ]);
    expect(parseHistoryJson(stdout)).toEqual([
      { revision: 1, state: 'superseded' },
      { revision: 2, state: 'deployed' },
    ]);
    expect(parseHistoryJson('not json')).toEqual([]);
  });

  it('recognises only helm’s own "release: not found"', () => {
    expect(isReleaseNotFound(1, 'Error: release: not found\n')).toBe(true);
    expect(isReleaseNotFound(1, 'Error: Kubernetes cluster unreachable: context "x" not found\n')).toBe(false);
    expect(isReleaseNotFound(null, 'Error: release: not found\n')).toBe(false);
  });
});
