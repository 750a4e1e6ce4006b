import type { ReleaseRevision, ReleaseState } from './helm.port';
import { planRecovery } from './release-recovery';

const history = (...states: ReleaseState[]): ReleaseRevision[] => states.map((state, index) => ({ revision: index + 1, state }));

describe('planRecovery', () => {
  it('uninstalls a release stuck pending-install (the caller installs again)', () => {
    expect(planRecovery({ state: 'pending-install', revision: 1 }, history('pending-install'))).toMatchObject({ action: 'uninstall' });
  });

  it.each<ReleaseState>(['pending-upgrade', 'pending-rollback'])('rolls %s back to the last deployed or superseded revision', (state) => {
    expect(planRecovery({ state, revision: 4 }, history('superseded', 'deployed', 'failed', state))).toMatchObject({ action: 'rollback', revision: 2 });
    expect(planRecovery({ state, revision: 3 }, history('superseded', 'superseded', state))).toMatchObject({ action: 'rollback', revision: 2 });
  });

  it('does not depend on the order history is given in', () => {
    const shuffled: ReleaseRevision[] = [
      { revision: 3, state: 'pending-upgrade' },
      { revision: 1, state: 'superseded' },
      { revision: 2, state: 'deployed' },
    ];
    expect(planRecovery({ state: 'pending-upgrade', revision: 3 }, shuffled)).toMatchObject({ action: 'rollback', revision: 2 });
  });

  it('uninstalls a pending upgrade with no good revision to go back to', () => {
    expect(planRecovery({ state: 'pending-upgrade', revision: 2 }, history('failed', 'pending-upgrade'))).toMatchObject({ action: 'uninstall' });
    expect(planRecovery({ state: 'pending-rollback', revision: 2 }, [])).toMatchObject({ action: 'uninstall' });
  });

  it('finishes an interrupted uninstall', () => {
    expect(planRecovery({ state: 'uninstalling', revision: 1 }, history('uninstalling'))).toMatchObject({ action: 'uninstall' });
  });

  it.each<ReleaseState>(['not-found', 'deployed', 'failed', 'superseded', 'unknown'])('leaves a %s release alone', (state) => {
    expect(planRecovery({ state, revision: state === 'not-found' ? null : 1 }, history('deployed'))).toEqual({ action: 'none' });
  });
});
