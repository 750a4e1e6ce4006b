import type { RecordedEvent } from '../eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent, type GraphEvent } from '../domain/graph/events';
import type { ExistingGraph } from '../domain/graph/state';
import type { GraphCommands } from '../application/graph-commands';
import { processorContext } from '../application/processor-context';
import type { AlertRule, AlertRulesPort, RulesWriteResult } from '../integrations/prometheus/alert-rules.port';
import { toStoredRule } from '../integrations/prometheus/rule-groups';
import { serviceAlertRules } from '../integrations/prometheus/smo-alert-rule';
import { canonicalJson } from '../shared/canonical-json';
import type { Logger } from '../observability/logger';
import type { Processor, ProcessorContext } from '../processing/processor';
import type { Dispatch } from './placement.processor';

const NAME = 'alert-rules';

type Outcome = Extract<GraphEvent, { type: 'AlertRulesRegistered' | 'AlertRulesRemoved' | 'AlertRulesFailed' }>;

/**
 * Keeps Prometheus' alerting rules in step with the conditional services: every event of a
 * Pending service gets its rule (names unique per graph and service, B19/B20), and a stopped or
 * removed graph's rules are taken away. A write that fails is recorded and retried.
 */
export class AlertRulesProcessor implements Processor {
  readonly name = NAME;
  readonly filter = { eventTypes: ['ServicePending', 'GraphStopped', 'GraphRemoved'], streamCategories: [GRAPH_CATEGORY] };

  constructor(private readonly deps: { graphs: GraphCommands; dispatch: Dispatch; rules: AlertRulesPort; logger: Logger }) {}

  /**
   * When this instance takes the lease, not at every instance's start: one standing by would be a second writer of
   * the rules. Before the first rule write, so an upgrade's move shows in the log; then the stored rules are put in step
   * with their graphs (an older SMO run after the move leaves some behind, see reconcileStoredRules). A failure is logged and
   * holds up no rule write: the move is tried again before the next one.
   */
  async onLeaseTaken({ signal, fence }: ProcessorContext): Promise<void> {
    const { rules, graphs, logger } = this.deps;
    try {
      await fence();
      const report = await rules.prepare?.();
      if (report && report.movedRules > 0) logger.info(report, `moved ${report.movedRules} alert rules of ${report.graphs} graphs from ${report.from} to a PrometheusRule per graph`);
    } catch (error) {
      if (signal.aborted) throw error; // the lease was lost, or SMO stops: the next holder does it
      logger.warn({ err: message(error) }, 'alert rules of an earlier SMO not moved yet: tried again before the next rule write');
    }
    try {
      const report = await reconcileStoredRules({ graphs, rules, fence });
      if (report.removedRules + report.rewrittenRules > 0) {
        logger.info(report, `put ${report.graphs} graphs' alert rules back in step (left by an earlier SMO): ${report.removedRules} taken away, ${report.rewrittenRules} written again`);
      }
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn({ err: message(error) }, "stored alert rules not checked against their graphs now: checked again when this processor's lease is next taken");
    }
  }

  async handle(event: RecordedEvent): Promise<void> {
    if (!isGraphEvent(event)) return;
    const { graphId } = event.data;
    const { state } = await this.deps.graphs.load(graphId);
    if (state.kind === 'none') return;
    const record = (outcome: Outcome, step: string) => this.deps.dispatch({ type: 'RecordServiceOutcome', event: outcome }, processorContext(NAME, event, step));
    if (event.type === 'ServicePending') {
      await this.register(state, event.data.serviceId, record);
      return;
    }
    // The rules to take away are those of the submission that stopped or was removed, as it was then:
    // the graph may have been removed and submitted again since (with other services or events), and
    // its current state would name the new submission's rules and leave the old ones in Prometheus.
    const then = await this.deps.graphs.loadAsOf(graphId, event.position);
    if (then.kind === 'none') return;
    // Handled late (a parked removal re-driven), the graph may hold a later submission's rules under the same names by
    // now: only the rules labelled with this submission (or unlabelled, written before) are taken away, judged in the
    // adapter's own read and write, and nothing is recorded on the later submission (not its outcome).
    const sameSubmission = state.submission === then.submission;
    // A stop handled after the graph was started again (a parked stop re-driven): its rules are the running graph's
    // again, and the same submission's label would not tell them apart.
    if (event.type === 'GraphStopped' && sameSubmission && !state.removed && state.status === 'Running') return;
    for (const service of then.services) {
      // The rules the descriptor gives the service, and any recorded under other names. A write whose
      // record was lost (SMO stopped between the two, or the service left Pending before the record) is
      // taken away too: the names are the same for the same graph, service and event.
      const rules = [...new Set([...service.alertRules, ...rulesFor(then, service.id).map((rule) => rule.name)])];
      if (rules.length === 0) continue;
      const recordable = sameSubmission && state.services.some((s) => s.id === service.id);
      let result: RulesWriteResult;
      try {
        result = await this.deps.rules.removeRules(graphId, rules, { submission: then.submission });
      } catch (error) {
        if (recordable) await record({ type: 'AlertRulesFailed', data: { graphId, serviceId: service.id, action: 'remove', error: message(error) } }, `failed:${service.id}`);
        throw error;
      }
      if (result.refused) {
        // Only a Prometheus that refuses its rules file whatever it holds does that: kept, and tried again.
        const error = result.error ?? 'Prometheus refused the rules';
        if (recordable) await record({ type: 'AlertRulesFailed', data: { graphId, serviceId: service.id, action: 'remove', error } }, `failed:${service.id}`);
        throw new Error(`removing the rules of ${graphId}/${service.id}: ${error}`);
      }
      if (!recordable || (service.alertRules.length === 0 && !result.changed)) continue; // nothing was there
      await record({ type: 'AlertRulesRemoved', data: { graphId, serviceId: service.id, rules } }, `removed:${service.id}`);
    }
  }

  private async register(graph: ExistingGraph, serviceId: string, record: (outcome: Outcome, step: string) => Promise<unknown>): Promise<void> {
    // Only while the service still waits for its alert (a later stop or trigger makes this moot).
    const service = graph.services.find((s) => s.id === serviceId);
    const rules = rulesFor(graph, serviceId);
    if (!service || service.status !== 'Pending' || rules.length === 0) return;
    let result: RulesWriteResult;
    try {
      result = await this.deps.rules.upsertRules(graph.graphId, rules);
    } catch (error) {
      await record({ type: 'AlertRulesFailed', data: { graphId: graph.graphId, serviceId, action: 'register', error: message(error) } }, `failed:${serviceId}`);
      throw error;
    }
    // Prometheus refused the rules (an invalid PromQL, say) and they were taken back, so that the other
    // graphs' rules still load: this graph's registration failed, and writing it again would fail the same way.
    if (result.refused) {
      await record({ type: 'AlertRulesFailed', data: { graphId: graph.graphId, serviceId, action: 'register', error: result.error ?? 'Prometheus refused the rules' } }, `failed:${serviceId}`);
      return;
    }
    await record(
      {
        type: 'AlertRulesRegistered',
        data: { graphId: graph.graphId, serviceId, rules: rules.map((r) => r.name), reloaded: result.reloaded, reloadError: result.error ?? null },
      },
      `registered:${serviceId}`,
    );
  }
}

/**
 * Puts SMO's rules back in step with the graphs they name, as recorded: takes away the rules a graph no longer has (a
 * stopped or removed graph's, an earlier submission's event), and writes again those it has whose stored copy is not
 * what it would write (an earlier submission's query or grace period under the same name, a rule written before SMO
 * labelled submissions). Run when the processor's lease is taken: an older SMO run after the move to a PrometheusRule
 * per graph (a rollback) takes a stopped graph's rules out of the shared CR only, and the moved copies would keep
 * firing. Rules the processor has not written yet are its to write; rules of a graph this SMO has no record of, and
 * rules without a `graph` label, are not SMO's to judge: they stay.
 */
export async function reconcileStoredRules(deps: {
  graphs: GraphCommands;
  rules: AlertRulesPort;
  fence?: () => Promise<void>;
}): Promise<{ removedRules: number; rewrittenRules: number; graphs: number }> {
  // Per graph, its stored rules by name (an older writer may have left two of one name).
  const byGraph = new Map<string, Map<string, AlertRule[]>>();
  for (const rule of await deps.rules.listRules()) {
    const graphId = rule.labels.graph;
    if (graphId === undefined) continue;
    const stored = byGraph.get(graphId) ?? byGraph.set(graphId, new Map()).get(graphId)!;
    stored.set(rule.name, [...(stored.get(rule.name) ?? []), rule]);
  }
  let removedRules = 0;
  let rewrittenRules = 0;
  let graphs = 0;
  for (const [graphId, stored] of byGraph) {
    const { state, revision } = await deps.graphs.load(graphId);
    if (state.kind === 'none') continue;
    const wanted = new Map(wantedRules(state).map((rule) => [rule.name, rule]));
    const unwanted = [...stored.keys()].filter((name) => !wanted.has(name));
    const outdated = [...wanted.values()].filter((rule) => stored.get(rule.name)?.some((copy) => !sameRule(copy, rule)) ?? false);
    if (unwanted.length === 0 && outdated.length === 0) continue;
    await deps.fence?.();
    if (unwanted.length > 0) await deps.rules.removeRules(graphId, unwanted);
    if (outdated.length > 0) await deps.rules.upsertRules(graphId, outdated);
    // Stopped, started or submitted again meanwhile, the processor may have written or taken away one of them just
    // before: each rule touched here is put as the graph now wants it.
    const touched = new Set([...unwanted, ...outdated.map((rule) => rule.name)]);
    const after = await deps.graphs.load(graphId);
    const back = new Set<string>();
    if (after.revision !== revision) {
      const wantedAfter = new Map((after.state.kind === 'none' ? [] : wantedRules(after.state)).map((rule) => [rule.name, rule]));
      const rewrite = [...touched].flatMap((name) => wantedAfter.get(name) ?? []);
      const notWantedAfter = outdated.map((rule) => rule.name).filter((name) => !wantedAfter.has(name));
      if (rewrite.length > 0) await deps.rules.upsertRules(graphId, rewrite);
      if (notWantedAfter.length > 0) await deps.rules.removeRules(graphId, notWantedAfter);
      rewrite.forEach((rule) => back.add(rule.name));
    }
    removedRules += unwanted.filter((name) => !back.has(name)).length;
    rewrittenRules += outdated.filter((rule) => !back.has(rule.name)).length;
    graphs++;
  }
  return { removedRules, rewrittenRules, graphs };
}

/** The same rule as Prometheus reads it: name, query, grace period, labels and annotations. */
function sameRule(a: AlertRule, b: AlertRule): boolean {
  return canonicalJson(toStoredRule(a)) === canonicalJson(toStoredRule(b));
}

/** As the processor keeps them: every event of a running graph's services has its rule, triggered or not. */
function wantedRules(graph: ExistingGraph): AlertRule[] {
  if (graph.removed || graph.status !== 'Running') return [];
  return graph.normalised.services.flatMap((service) => serviceAlertRules(graph.graphId, service, graph.submission));
}

function rulesFor(graph: ExistingGraph, serviceId: string): AlertRule[] {
  const service = graph.normalised.services.find((s) => s.id === serviceId);
  return service ? serviceAlertRules(graph.graphId, service, graph.submission) : [];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
