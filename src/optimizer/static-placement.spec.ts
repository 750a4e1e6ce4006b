import { initialPlacement } from './initial-placement';
import { isStaticPlacementRequested, staticPlacement } from './static-placement';

describe('static placement (§5.4)', () => {
  it('reads useStaticPlacement as upstream writes it (YAML True) and as a string', () => {
    expect(isStaticPlacementRequested({ useStaticPlacement: true })).toBe(true);
    expect(isStaticPlacementRequested({ useStaticPlacement: 'True' })).toBe(true);
    expect(isStaticPlacementRequested({ useStaticPlacement: false })).toBe(false);
    expect(isStaticPlacementRequested({ useStaticPlacement: 'False' })).toBe(false);
  });

  it('treats a missing flag as false instead of failing like upstream (KeyError → 500)', () => {
    expect(isStaticPlacementRequested({ security: { enabled: false } })).toBe(false);
    expect(isStaticPlacementRequested(undefined)).toBe(false);
    expect(isStaticPlacementRequested('legacy 0.3.0 string intent')).toBe(false);
  });

  it('computes nothing: empty placement, null affinities, no stored placement, values untouched', () => {
    expect(staticPlacement(['image-compression-vo', 'noise-reduction', 'image-detection'])).toEqual({
      algorithm: 'static',
      placement: {},
      clusterAffinity: { 'image-compression-vo': null, 'noise-reduction': null, 'image-detection': null },
      storedPlacement: null,
      injectValues: false,
    });
  });

  it('is chosen at deploy time over naive placement, even when no cluster could host the graph', () => {
    const services = [{ id: 'svc', cpu: 64, gpu: true, replicas: 1 }];
    const clusters = [{ name: 'c1', cpu: 1, available: true }];
    expect(initialPlacement({ useStaticPlacement: true, clusters, services })).toMatchObject({ algorithm: 'static', placement: {} });
    expect(initialPlacement({ useStaticPlacement: false, clusters, services })).toMatchObject({ algorithm: 'naive', feasible: false });
  });

  it('falls back to naive first-fit otherwise (Brussels demo: everything on c1)', () => {
    const services = [
      { id: 'image-compression-vo', cpu: 0.5, gpu: false, replicas: 1 },
      { id: 'noise-reduction', cpu: 1, gpu: false, replicas: 1 },
      { id: 'image-detection', cpu: 1, gpu: false, replicas: 1 },
    ];
    const clusters = [{ name: 'c1', cpu: 4, available: true }, { name: 'c2', cpu: 6, available: true }];
    expect(initialPlacement({ useStaticPlacement: false, clusters, services })).toMatchObject({
      algorithm: 'naive',
      placement: { 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' },
    });
  });
});
