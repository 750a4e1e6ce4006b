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

  it('keeps duplicates, in descriptor order of the consumers, as upstream', () => {
    const services = [
      { id: 'a', connectionPoints: ['db'] },
      { id: 'b', connectionPoints: ['db', 'db'] },
      { id: 'c', connectionPoints: ['db'] },
      { id: 'db', connectionPoints: [] },
    ];
    expect(createServiceImports(services, { a: 'x', b: 'x', c: 'y', db: 'z' }).db).toEqual(['x', 'x', 'y']);
  });

  it('ignores connection points that are not services of the graph', () => {
    const services = [{ id: 'a', connectionPoints: ['elsewhere'] }];
    expect(createServiceImports(services, { a: 'x' })).toEqual({ a: [] });
  });

  it('fails like upstream (KeyError) when a consumer has no cluster', () => {
    expect(() => createServiceImports(brussels, { 'noise-reduction': 'c1' })).toThrow('image-compression-vo has no cluster');
  });
});
