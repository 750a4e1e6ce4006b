/**
 * Alert-rule writes on the real Karmada lab's API server (etcd behind it), as SMO's PrometheusRule
 * adapter makes them: G graphs of 100 rules each (default 80: 8,000 rules, more than one CR holds),
 * each graph in its own CR, then 20 one-rule updates in one graph's CR with all the others around.
 * The peer, in the same run: the design before, every graph's rules in one shared CR, filled to 3,700
 * rules (about where it stops: the 4,000th is refused), then the same 20 one-rule updates there.
 * Prints JSON; the figures are per write (read the CR, replace it).
 *
 *   scripts/karmada-lab.sh up ./lab && . ./lab/env
 *   npm run bench:alert-rules                 # ~1 minute
 *   npm run bench:alert-rules -- --graphs 200
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { AlertRule } from '../src/integrations/prometheus/alert-rules.port';
import { PrometheusRuleAdapter } from '../src/integrations/prometheus/prometheus-rule.adapter';
import { smoAlertRule } from '../src/integrations/prometheus/smo-alert-rule';
import { findLab, kubeConfig } from '../test/karmada/lab';

const RULES_PER_GRAPH = 100;
const SHARED_GRAPHS = 37; // 3,700 rules: one CR refused the 4,000th on the lab
const UPDATES = 20;
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const GRAPHS = argument('graphs', 80);

/** SMO's rules for one graph: 10 services, 10 events each, PromQL and descriptions of realistic length. */
function rulesOf(graphId: string): AlertRule[] {
  return Array.from({ length: RULES_PER_GRAPH }, (_, i) => {
    const serviceId = `service-${i % 10}`;
    const promQuery = `sum(rate(http_requests_total{service="${serviceId}",graph="${graphId}"}[1m])) > ${i}`;
    return smoAlertRule({ graphId, serviceId, eventId: `event-${i}`, promQuery, gracePeriod: '30s', description: `load above ${i} requests per second on ${serviceId} of ${graphId}` });
  });
}

async function timed(write: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await write();
  return performance.now() - start;
}

function summary(millis: number[]) {
  const sorted = [...millis].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1));
  return { writes: millis.length, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: at(1) };
}

/** One rule of a graph changed, UPDATES times, in the CR that holds it. */
async function oneRuleUpdates(write: (rule: AlertRule) => Promise<unknown>, graphId: string): Promise<number[]> {
  const rules = rulesOf(graphId);
  const times: number[] = [];
  for (let i = 0; i < UPDATES; i++) times.push(await timed(() => write({ ...rules[i]!, expr: `${rules[i]!.expr} + ${i + 1}` })));
  return times;
}

async function main(): Promise<void> {
  const lab = findLab();
  if ('skipped' in lab) {
    console.log(JSON.stringify({ skipped: lab.skipped }));
    return;
  }
  const config = kubeConfig(lab.karmadaKubeconfig);
  const core = config.makeApiClient(CoreV1Api);
  const namespace = `bench-rules-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    const adapter = new PrometheusRuleAdapter(config, { namespace, sharedName: null, timeoutMs: 30_000 });
    const graphs = Array.from({ length: GRAPHS }, (_, i) => `graph-${i}`);
    const perGraphFill: number[] = [];
    for (const graphId of graphs) perGraphFill.push(await timed(() => adapter.upsertRules(graphId, rulesOf(graphId))));
    const perGraphUpdates = await oneRuleUpdates((rule) => adapter.upsertRules('graph-5', [rule]), 'graph-5');

    // The peer: the same adapter writing every graph's rules into one CR, as SMO did before.
    const sharedFill: number[] = [];
    for (const graphId of graphs.slice(0, SHARED_GRAPHS)) sharedFill.push(await timed(() => adapter.upsertRules('shared', rulesOf(graphId))));
    const sharedUpdates = await oneRuleUpdates((rule) => adapter.upsertRules('shared', [rule]), 'graph-5');

    const perGraph = summary(perGraphUpdates);
    const shared = summary(sharedUpdates);
    console.log(
      JSON.stringify(
        {
          rulesPerGraph: RULES_PER_GRAPH,
          perGraphCrs: { graphs: GRAPHS, rules: GRAPHS * RULES_PER_GRAPH, fillOneGraph: summary(perGraphFill), oneRuleUpdate: perGraph },
          sharedCr: { rules: SHARED_GRAPHS * RULES_PER_GRAPH, fillOneGraphLast10: summary(sharedFill.slice(-10)), oneRuleUpdate: shared },
          oneRuleUpdateP50Ratio: Number((shared.p50Ms / perGraph.p50Ms).toFixed(1)),
        },
        null,
        2,
      ),
    );
  } finally {
    await core.deleteNamespace({ name: namespace });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
