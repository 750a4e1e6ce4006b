/**
 * One graph's alert-rule upsert into a group that holds every graph's rules (the rules file, simulated
 * mode): the cost of an upsert as the group grows. Prints JSON, ms per one-rule upsert at each size.
 * Before, each upsert compared the whole group (canonical JSON of every rule, twice): 15 ms at 2,000
 * rules, so a burst of submissions cost the square of the rules.
 *
 *   npm run bench:rule-groups
 */
import type { AlertRule } from '../src/integrations/prometheus/alert-rules.port';
import { upsertRulesInGroups } from '../src/integrations/prometheus/rule-groups';

const SIZES = [1_000, 10_000, 100_000];
const UPSERTS = 200;

const rule = (i: number): AlertRule => ({
  name: `graph-${i}-service-event`,
  expr: `sum(rate(flask_http_request_total{service="s${i}",namespace="p${i}"}[1m])) > ${i}`,
  for: '1m',
  labels: { graph: `graph-${i}`, severity: 'warning' },
  annotations: { summary: `service s${i} of graph-${i} over its request rate` },
});

const results = SIZES.map((size) => {
  let groups: unknown[] = [];
  groups = upsertRulesInGroups(groups, 'smo', Array.from({ length: size }, (_, i) => rule(i))).groups;
  const started = performance.now();
  for (let i = 0; i < UPSERTS; i++) groups = upsertRulesInGroups(groups, 'smo', [rule(size + i)]).groups;
  return { rulesInGroup: size, msPerUpsert: Math.round(((performance.now() - started) / UPSERTS) * 1000) / 1000 };
});
process.stdout.write(`${JSON.stringify({ benchmark: 'rule-groups', node: process.version, upserts: UPSERTS, results }, null, 2)}\n`);
