import { isValidAlertName } from './alert-rule-name';
import type { AlertRule } from './alert-rules.port';
import { LABEL_NAME } from './promql';
import { isPrometheusDuration } from '../../shared/prometheus-duration';

/** A rule Prometheus would refuse; refused before writing, since one bad rule fails the whole reload. */
export class InvalidAlertRuleError extends Error {
  constructor(
    readonly ruleName: string,
    readonly problem: string,
  ) {
    super(`alert rule ${JSON.stringify(ruleName)}: ${problem}`);
    this.name = 'InvalidAlertRuleError';
  }
}

/** Checks what can be checked without a PromQL parser, and that no name is given twice. */
export function assertValidAlertRules(rules: readonly AlertRule[]): void {
  const seen = new Set<string>();
  for (const rule of rules) {
    const fail = (problem: string) => {
      throw new InvalidAlertRuleError(rule.name, problem);
    };
    if (!isValidAlertName(rule.name)) fail('the name must match [a-zA-Z_][a-zA-Z0-9_]*');
    if (seen.has(rule.name)) fail('given twice in one call');
    seen.add(rule.name);
    if (rule.expr.trim() === '') fail('expr is empty');
    if (!isPrometheusDuration(rule.for)) fail(`"for" is not a Prometheus duration: ${JSON.stringify(rule.for)}`);
    for (const [kind, map] of [['label', rule.labels], ['annotation', rule.annotations]] as const) {
      for (const [key, value] of Object.entries(map)) {
        if (!LABEL_NAME.test(key)) fail(`${kind} name ${JSON.stringify(key)} must match [a-zA-Z_][a-zA-Z0-9_]*`);
        if (typeof value !== 'string') fail(`${kind} ${key} must be a string`);
      }
    }
  }
}
