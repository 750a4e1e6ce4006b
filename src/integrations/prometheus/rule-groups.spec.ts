import { assertValidAlertRules, InvalidAlertRuleError } from './alert-rule-validation';
import type { AlertRule } from './alert-rules.port';
import { alertRulesInGroups, removeRulesFromGroups, RuleGroupsShapeError, upsertRulesInGroups } from './rule-groups';

const rule = (name: string, expr = 'vector(1)'): AlertRule => ({ name, expr, for: '0s', labels: { severity: 'critical' }, annotations: {} });
const stored = (name: string, expr = 'vector(1)') => ({ alert: name, expr, for: '0s', labels: { severity: 'critical' }, annotations: {} });
const otherGroup = { name: 'kubernetes-apps', interval: '30s', rules: [{ record: 'job:up:sum', expr: 'sum(up) by (job)' }] };

describe('rule group edits', () => {
  it('creates the group when missing, after the others (B18)', () => {
    const edit = upsertRulesInGroups([otherGroup], 'smo-alerts', [rule('a')]);
    expect(edit).toEqual({ changed: true, groups: [otherGroup, { name: 'smo-alerts', rules: [stored('a')] }] });
  });

  it('replaces a same-named rule in place, drops older duplicates and keeps foreign rules and fields', () => {
    const groups = [
      { name: 'smo-alerts', interval: '15s', rules: [stored('a', 'old'), { record: 'r', expr: '1' }, stored('b'), stored('a', 'older')] },
      otherGroup,
    ];
    const edit = upsertRulesInGroups(groups, 'smo-alerts', [rule('c'), rule('a', 'new')]);
    expect(edit.changed).toBe(true);
    expect(edit.groups).toEqual([
      { name: 'smo-alerts', interval: '15s', rules: [stored('a', 'new'), { record: 'r', expr: '1' }, stored('b'), stored('c')] },
      otherGroup,
    ]);
  });

  it('reports no change when the rules are already there', () => {
    const groups = [{ name: 'smo-alerts', rules: [stored('a')] }];
    expect(upsertRulesInGroups(groups, 'smo-alerts', [rule('a')]).changed).toBe(false);
    expect(upsertRulesInGroups([], 'smo-alerts', []).changed).toBe(false);
  });

  it('removes by name, tolerating missing rules and groups', () => {
    const groups = [{ name: 'smo-alerts', rules: [stored('a'), stored('b'), stored('a')] }, otherGroup];
    expect(removeRulesFromGroups(groups, 'smo-alerts', ['a', 'zzz'])).toEqual({
      changed: true,
      groups: [{ name: 'smo-alerts', rules: [stored('b')] }, otherGroup],
    });
    expect(removeRulesFromGroups(groups, 'smo-alerts', ['zzz']).changed).toBe(false);
    expect(removeRulesFromGroups([otherGroup], 'smo-alerts', ['a'])).toEqual({ changed: false, groups: [otherGroup] });
  });

  it("removes, with a submission, only that graph submission's rules and unlabelled ones", () => {
    const of = (name: string, submission: string) => ({ ...stored(name), labels: { severity: 'critical', submission } });
    const groups = [{ name: 'smo-alerts', rules: [of('a', '1'), of('b', '2'), stored('c')] }];
    expect(removeRulesFromGroups(groups, 'smo-alerts', ['a', 'b', 'c'], 2)).toEqual({ changed: true, groups: [{ name: 'smo-alerts', rules: [of('a', '1')] }] });
    expect(removeRulesFromGroups(groups, 'smo-alerts', ['a'], 3).changed).toBe(false);
  });

  it('lists only the alerting rules of SMO’s group, reading int exprs and a missing "for"', () => {
    const groups = [otherGroup, { name: 'smo-alerts', rules: [{ record: 'r', expr: '1' }, { alert: 'x', expr: 1 }, 'junk'] }];
    expect(alertRulesInGroups(groups, 'smo-alerts')).toEqual([{ name: 'x', expr: '1', for: '0s', labels: {}, annotations: {} }]);
    expect(alertRulesInGroups(undefined, 'smo-alerts')).toEqual([]);
  });

  it('refuses a groups value of the wrong shape', () => {
    expect(() => upsertRulesInGroups({}, 'smo-alerts', [])).toThrow(RuleGroupsShapeError);
    expect(() => upsertRulesInGroups([{ rules: [] }], 'smo-alerts', [])).toThrow('groups[0] has no name');
    expect(() => removeRulesFromGroups([{ name: 'smo-alerts', rules: 'x' }], 'smo-alerts', ['a'])).toThrow('rules is not a list');
  });
});

describe('assertValidAlertRules', () => {
  it('accepts valid rules', () => {
    expect(() => assertValidAlertRules([rule('a'), { ...rule('b'), for: '1h30m' }, { ...rule('c'), for: '0' }])).not.toThrow();
  });

  it.each([
    ['a bad name', { ...rule('x'), name: 'bad-name' }],
    ['an empty expr', { ...rule('x'), expr: '  ' }],
    ['a bad duration', { ...rule('x'), for: '2 minutes' }],
    ['an empty duration', { ...rule('x'), for: '' }],
    ['units out of order', { ...rule('x'), for: '5s1m' }],
    ['a bad label name', { ...rule('x'), labels: { 'app.kubernetes.io/name': 'x' } }],
    ['a bad annotation name', { ...rule('x'), annotations: { 'run-book': 'x' } }],
  ])('refuses %s', (_case, bad) => {
    expect(() => assertValidAlertRules([bad])).toThrow(InvalidAlertRuleError);
  });

  it('refuses the same name twice in one call', () => {
    expect(() => assertValidAlertRules([rule('a'), rule('a')])).toThrow('given twice');
  });
});
