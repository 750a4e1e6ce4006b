import { deciderSpecification } from '../../../test/support/decider-specification';
import { RESERVATION_GRACE_MS, currentClaims, releaseNamesDecider, type ClaimHolder } from './decide';
import type { ReleaseNamesEvent } from './events';
import type { ReleaseNamesReserved } from './events';

const spec = deciderSpecification(releaseNamesDecider);
const NOW = '2026-12-04T12:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

const reserved = (graphId: string, serviceIds: string[], reservedAt = NOW): ReleaseNamesReserved => ({
  type: 'ReleaseNamesReserved',
  data: { project: 'demo', graphId, commandId: `cmd-${graphId}`, serviceIds, reservedAt, reclaimed: [] },
});
const reserve = (graphId: string, serviceIds: string[], holders: Record<string, ClaimHolder> = {}, now = NOW) => ({
  type: 'ReserveReleaseNames' as const,
  data: { project: 'demo', graphId, commandId: `cmd-${graphId}`, serviceIds, now, holders },
});
const live = (serviceIds: string[], extra: Partial<Extract<ClaimHolder, { kind: 'exists' }>> = {}): ClaimHolder => ({
  kind: 'exists',
  project: 'demo',
  removed: false,
  serviceIds,
  installedServiceIds: serviceIds,
  ...extra,
});

describe('release names of a project', () => {
  it('reserves free names for the graph', () => {
    spec.given([]).when(reserve('g1', ['a', 'b'])).then([reserved('g1', ['a', 'b'])]);
  });

  it('refuses a name another graph uses, naming the service and the owner', () => {
    spec
      .given([reserved('g1', ['a', 'b'])])
      .when(reserve('g2', ['b', 'c'], { g1: live(['a', 'b']) }))
      .thenThrows({ kind: 'conflict', details: { conflicts: [{ serviceId: 'b', graphId: 'g1' }] }, message: expect.stringContaining('Service b is already a service of graph g1 in project demo') });
  });

  it('refuses while the owner is unknown to the caller (reserved after it looked) or still being created', () => {
    spec.given([reserved('g1', ['a'])]).when(reserve('g2', ['a'])).thenThrows({ kind: 'conflict' });
    spec.given([reserved('g1', ['a'])]).when(reserve('g2', ['a'], { g1: { kind: 'absent' } }, later(RESERVATION_GRACE_MS - 1))).thenThrows({ kind: 'conflict' });
  });

  it('reclaims an orphan: a reservation whose graph was never created within the grace period', () => {
    spec
      .given([reserved('ghost', ['a'])])
      .when(reserve('g2', ['a'], { ghost: { kind: 'absent' } }, later(RESERVATION_GRACE_MS)))
      .then([
        {
          type: 'ReleaseNamesReserved',
          data: {
            ...reserved('g2', ['a'], later(RESERVATION_GRACE_MS)).data,
            reclaimed: [{ serviceId: 'a', fromGraphId: 'ghost', why: expect.stringContaining('never created') }],
          },
        },
      ]);
  });

  it('lets the same graph retry its own reservation at once, appending nothing new', () => {
    spec.given([reserved('ghost', ['a'])]).when(reserve('ghost', ['a'])).then([]);
  });

  it('keeps a removed graph’s name until its release is uninstalled', () => {
    spec.given([reserved('g1', ['a'])]).when(reserve('g2', ['a'], { g1: live(['a'], { removed: true }) })).thenThrows({ kind: 'conflict' });
    spec
      .given([reserved('g1', ['a'])])
      .when(reserve('g2', ['a'], { g1: live(['a'], { removed: true, installedServiceIds: [] }) }))
      .then([{ type: 'ReleaseNamesReserved', data: { ...reserved('g2', ['a']).data, reclaimed: [{ serviceId: 'a', fromGraphId: 'g1', why: 'graph removed and release uninstalled' }] } }]);
  });

  it('frees a graph’s names on release, and a freed name is reserved without reclaiming', () => {
    spec
      .given([reserved('g1', ['a', 'b']), { type: 'ReleaseNamesReleased', data: { project: 'demo', graphId: 'g1', serviceIds: ['a', 'b'] } }])
      .when(reserve('g2', ['a']))
      .then([reserved('g2', ['a'])]);
    spec.given([reserved('g1', ['a'])]).when({ type: 'ReleaseReleaseNames', data: { project: 'demo', graphId: 'g2' } }).then([]);
  });

  it('folds a long stream to the same claims as one event at a time would (batches cross releases)', () => {
    const events: ReleaseNamesEvent[] = [];
    for (let i = 0; i < 150; i++) events.push(reserved(`g${i}`, [`s${i}`, 'shared']));
    for (let i = 0; i < 150; i += 2) events.push({ type: 'ReleaseNamesReleased', data: { project: 'demo', graphId: `g${i}`, serviceIds: [`s${i}`, 'shared'] } });
    const claims = currentClaims(spec.given(events).state);
    expect(Object.keys(claims).sort()).toEqual([...Array.from({ length: 75 }, (_, k) => `s${2 * k + 1}`), 'shared'].sort());
    // "shared" was last reserved by g149, whose release never came.
    expect(claims.shared?.graphId).toBe('g149');
  });
});
