import { canonicalJson } from '../../shared/canonical-json';
import { SUBMISSION_LABEL, type AlertRule } from './alert-rules.port';
import { isRecord } from '../../shared/is-record';

/**
 * Edits of a `groups` list, shared by the PrometheusRule CR (`spec.groups`) and the rules file
 * (top-level `groups`). Only SMO's group changes; other groups, unknown group fields (interval,
 * limit…) and rules that are not SMO's (recording rules, other alerts) are kept as they are (B18).
 */

/** A stored `groups` value that is not a list of named groups with rule lists. */
export class RuleGroupsShapeError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'RuleGroupsShapeError';
  }
}

export interface GroupsEdit {
  groups: unknown[];
  changed: boolean;
}

type Group = Record<string, unknown>;

/** Replaces same-named rules in place (dropping older duplicates, B18), appends the new ones. */
export function upsertRulesInGroups(groups: unknown, groupName: string, rules: readonly AlertRule[]): GroupsEdit {
  const list = groupList(groups);
  const index = list.findIndex((group) => (group as Group).name === groupName);
  if (index < 0) {
    if (rules.length === 0) return { groups: list, changed: false };
    return { groups: [...list, { name: groupName, rules: rules.map(toStoredRule) }], changed: true };
  }
  const pending = new Map(rules.map((rule) => [rule.name, rule]));
  const upserted = new Set(pending.keys());
  const kept: unknown[] = [];
  // Judged on the rules touched alone: a group holds every graph's rules (rules file, simulated mode), and comparing
  // the whole group at each upsert made a burst of submissions cost the square of the rules.
  let changed = false;
  for (const stored of rulesOf(list[index] as Group, groupName)) {
    const name = alertNameOf(stored);
    if (name === null || !upserted.has(name)) kept.push(stored);
    else if (pending.has(name)) {
      const replacement = toStoredRule(pending.get(name) as AlertRule);
      changed ||= canonicalJson(stored) !== canonicalJson(replacement);
      kept.push(replacement);
      pending.delete(name);
    } else changed = true; // a duplicate of a rule already replaced, dropped
  }
  changed ||= pending.size > 0;
  kept.push(...[...pending.values()].map(toStoredRule));
  return withRules(list, index, kept, changed);
}

/**
 * Drops every rule with one of these alert names (with `submission`, only those of that graph submission or with no
 * submission label); a missing group or rule is no change.
 */
export function removeRulesFromGroups(groups: unknown, groupName: string, names: readonly string[], submission?: number): GroupsEdit {
  const list = groupList(groups);
  const index = list.findIndex((group) => (group as Group).name === groupName);
  if (index < 0) return { groups: list, changed: false };
  const removed = new Set(names);
  const stored = rulesOf(list[index] as Group, groupName);
  const kept = stored.filter((rule) => {
    const name = alertNameOf(rule);
    return name === null || !removed.has(name) || !ofSubmission(rule, submission);
  });
  return withRules(list, index, kept, kept.length !== stored.length);
}

/** The alerting rules of the group; recording rules and unreadable entries are skipped. */
export function alertRulesInGroups(groups: unknown, groupName: string): AlertRule[] {
  const group = groupList(groups).find((candidate) => (candidate as Group).name === groupName);
  if (group === undefined) return [];
  return rulesOf(group as Group, groupName).flatMap((stored) => {
    const rule = fromStoredRule(stored);
    return rule === null ? [] : [rule];
  });
}

/** No group holds a rule (of any kind): what is left of a graph's CR once its last rule is removed. */
export function holdsNoRules(groups: readonly unknown[]): boolean {
  return groups.every((group) => !isRecord(group) || !Array.isArray(group.rules) || group.rules.length === 0);
}

/** The stored form: the rules-file / CR field names (`alert`, not `name`). */
export function toStoredRule(rule: AlertRule): Record<string, unknown> {
  return { alert: rule.name, expr: rule.expr, for: rule.for, labels: { ...rule.labels }, annotations: { ...rule.annotations } };
}

function fromStoredRule(stored: unknown): AlertRule | null {
  if (!isRecord(stored) || typeof stored.alert !== 'string') return null;
  // The CRD types expr as int-or-string.
  if (typeof stored.expr !== 'string' && typeof stored.expr !== 'number') return null;
  return {
    name: stored.alert,
    expr: String(stored.expr),
    for: typeof stored.for === 'string' ? stored.for : '0s', // Prometheus' default
    labels: stringMap(stored.labels),
    annotations: stringMap(stored.annotations),
  };
}

function withRules(list: unknown[], index: number, rules: unknown[], changed: boolean): GroupsEdit {
  const after = { ...(list[index] as Group), rules };
  return { groups: list.map((group, i) => (i === index ? after : group)), changed };
}

function groupList(groups: unknown): unknown[] {
  if (groups === undefined || groups === null) return [];
  if (!Array.isArray(groups)) throw new RuleGroupsShapeError('groups is not a list');
  groups.forEach((group, i) => {
    if (!isRecord(group) || typeof group.name !== 'string') throw new RuleGroupsShapeError(`groups[${i}] has no name`);
  });
  return groups;
}

function rulesOf(group: Group, groupName: string): unknown[] {
  if (group.rules === undefined || group.rules === null) return [];
  if (!Array.isArray(group.rules)) throw new RuleGroupsShapeError(`group ${groupName}: rules is not a list`);
  return group.rules;
}

function ofSubmission(stored: unknown, submission: number | undefined): boolean {
  if (submission === undefined || !isRecord(stored) || !isRecord(stored.labels) || stored.labels[SUBMISSION_LABEL] === undefined) return true;
  return String(stored.labels[SUBMISSION_LABEL]) === String(submission);
}

function alertNameOf(stored: unknown): string | null {
  return isRecord(stored) && typeof stored.alert === 'string' ? stored.alert : null;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}
