import { createServiceImports } from './service-imports';

/** Brussels demo (shared/descriptors/brussels-demo.upstream.hdag.yaml): ids and connectionPoints in descriptor order. */
const brussels = [
  { id: 'image-compression-vo', connectionPoints: ['noise-reduction'] },
  { id: 'noise-reduction', connectionPoints: ['image-detection'] },
  { id: 'image-detection', connectionPoints: [] },
];

describe('service imports (§6 create_service_imports)', () => {
  it('reproduces the Brussels example with everything on c1', () => {
    const placement = { 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' };
    expect(createServiceImports(brussels, placement)).toEqual({
      'image-compression-vo': [],
      'noise-reduction': ['c1'],
      'image-detection': ['c1'],
    });
  });

  it('lists the consumers’ clusters, including the provider’s own', () => {
    const placement = { 'image-compression-vo': 'c2', 'noise-reduction': 'c1', 'image-detection': 'c1' };
    expect(createServiceImports(brussels, placement)).toEqual({
      'image-compression-vo': [],
      'noise-reduction': ['c2'],
      'image-detection': ['c1'],
    });
  });

  it('lists each consumer cluster once, sorted by name (upstream kept one entry per consumer, in descriptor order)', () => {
    const services = [
      { id: 'a', connectionPoints: ['db'] },
      { id: 'b', connectionPoints: ['db', 'db'] },
      { id: 'c', connectionPoints: ['db'] },
      { id: 'db', connectionPoints: [] },
    ];
    expect(createServiceImports(services, { a: 'y', b: 'x', c: 'y', db: 'z' }).db).toEqual(['x', 'y']);
  });

  it('gives the same list when consumers swap clusters, so the provider’s values (and digest) do not change', () => {
    const services = [
      { id: 'a', connectionPoints: ['db'] },
      { id: 'b', connectionPoints: ['db'] },
      { id: 'db', connectionPoints: [] },
    ];
    expect(createServiceImports(services, { a: 'c2', b: 'c1', db: 'c3' }).db).toEqual(createServiceImports(services, { a: 'c1', b: 'c2', db: 'c3' }).db);
  });

  it('imports to every cluster of a consumer that runs on several (highAvailability)', () => {
    const placement = { 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' };
    const imports = createServiceImports(brussels, placement, { 'image-compression-vo': ['c1', 'c3'], 'noise-reduction': ['c2', 'c1'] });
    expect(imports).toEqual({ 'image-compression-vo': [], 'noise-reduction': ['c1', 'c3'], 'image-detection': ['c1', 'c2'] });
  });

  it('ignores connection points that are not services of the graph', () => {
    const services = [{ id: 'a', connectionPoints: ['elsewhere'] }];
    expect(createServiceImports(services, { a: 'x' })).toEqual({ a: [] });
  });

  it('fails like upstream (KeyError) when a consumer has no cluster', () => {
    expect(() => createServiceImports(brussels, { 'noise-reduction': 'c1' })).toThrow('image-compression-vo has no cluster');
  });
});
