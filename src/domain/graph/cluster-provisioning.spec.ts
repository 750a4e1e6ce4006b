import { workersForGap } from './cluster-provisioning';

describe('workersForGap', () => {
  const flavor = { cpu: 4, memoryBytes: 8 * 2 ** 30 };
  it('covers CPU and memory with whole workers, at least one', () => {
    expect(workersForGap({ cpu: 0.5 }, flavor)).toBe(1);
    expect(workersForGap({ cpu: 4 }, flavor)).toBe(1);
    expect(workersForGap({ cpu: 4.001 }, flavor)).toBe(2);
    expect(workersForGap({ cpu: 1, memoryBytes: 20 * 2 ** 30 }, flavor)).toBe(3);
  });
  it('a GPU gap cannot be closed with NFVCL workers', () => {
    expect(workersForGap({ cpu: 1, gpu: 1 }, flavor)).toBeUndefined();
  });
});
