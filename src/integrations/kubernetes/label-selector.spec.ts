import { isEmptySelector, selects } from './label-selector';

describe('selects (a Kubernetes LabelSelector)', () => {
  const labels = { release: 'kube-prometheus-stack', team: 'a' };

  it('selects everything when empty, and needs every matchLabels pair and every expression to hold', () => {
    expect(selects({}, labels)).toBe(true);
    expect(selects({ matchLabels: { release: 'kube-prometheus-stack' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { release: 'kube-prometheus-stack', team: 'b' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'absent', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'absent', operator: 'In', values: [''] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'team', operator: 'Exists' }, { key: 'absent', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchLabels: { team: 'a' }, matchExpressions: [{ key: 'release', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });

  it('cannot tell for a selector it cannot read', () => {
    expect(selects(null, labels)).toBe('unknown');
    expect(selects({ matchExpressions: [{ key: 'team', operator: 'Gt', values: ['1'] }] }, labels)).toBe('unknown');
    expect(selects({ matchLabels: ['team'] }, labels)).toBe('unknown');
    expect(selects({ matchExpressions: [{ operator: 'Exists' }] }, labels)).toBe('unknown');
  });

  it('tells an empty selector from one with terms', () => {
    expect([{}, { matchLabels: {} }, { matchLabels: {}, matchExpressions: [] }].map(isEmptySelector)).toEqual([true, true, true]);
    expect([null, { matchLabels: { a: 'b' } }, { matchExpressions: [{ key: 'a', operator: 'Exists' }] }].map(isEmptySelector)).toEqual([false, false, false]);
  });
});
