import { assertValidAlertRules } from './alert-rule-validation';
import type { AlertRule, AlertRulesPort, RulesWriteResult } from './alert-rules.port';
import { alertRulesInGroups, removeRulesFromGroups, upsertRulesInGroups, type GroupsEdit } from './rule-groups';

/** Rules kept in memory (`mode: 'simulated'`), every graph's in one group, with the same upsert/remove semantics as the real adapters. */
export class InMemoryRulesAdapter implements AlertRulesPort {
  readonly mode = 'simulated' as const;
  private groups: unknown[] = [];

  constructor(private readonly group = 'smo-alerts') {}

  async upsertRules(_graphId: string, rules: readonly AlertRule[]): Promise<RulesWriteResult> {
    assertValidAlertRules(rules);
    return this.apply(upsertRulesInGroups(this.groups, this.group, rules));
  }

  async removeRules(_graphId: string, names: readonly string[], options: { submission?: number } = {}): Promise<RulesWriteResult> {
    return this.apply(removeRulesFromGroups(this.groups, this.group, names, options.submission));
  }

  async listRules(): Promise<AlertRule[]> {
    return alertRulesInGroups(this.groups, this.group);
  }

  private apply(edit: GroupsEdit): RulesWriteResult {
    this.groups = edit.groups;
    return { changed: edit.changed, reloaded: false };
  }
}
