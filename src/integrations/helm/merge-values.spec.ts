import { mergeValues } from './merge-values';

describe('mergeValues (--reuse-values)', () => {
  it('merges plain objects at leaf level and replaces arrays, scalars and nulls whole', () => {
    const current = { clustersAffinity: ['c1', 'c2'], image: { tag: '1', repository: 'r' }, replicas: 2, extra: { keep: true } };
    const overrides = { clustersAffinity: ['c3'], image: { tag: '2' }, replicas: null, added: 'x' };
    expect(mergeValues(current, overrides)).toEqual({
      clustersAffinity: ['c3'],
      image: { tag: '2', repository: 'r' },
      replicas: null,
      extra: { keep: true },
      added: 'x',
    });
  });

  it('modifies neither input', () => {
    const current = { a: { b: 1 } };
    const overrides = { a: { c: 2 } };
    mergeValues(current, overrides);
    expect(current).toEqual({ a: { b: 1 } });
    expect(overrides).toEqual({ a: { c: 2 } });
  });

  it('keeps a "__proto__" key as data', () => {
    const merged = mergeValues({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
