import type { RecordedEvent } from '../eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent, type GraphEvent } from '../domain/graph/events';
import type { ExistingGraph } from '../domain/graph/state';
import type { GraphCommands } from '../application/graph-commands';
import { processorContext } from '../application/processor-context';
import type { AlertRule, AlertRulesPort, RulesWriteResult } from '../integrations/prometheus/alert-rules.port';
import { serviceAlertRules } from '../integrations/prometheus/smo-alert-rule';
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
   * the rules. Before the first rule write, so an upgrade's move shows in the log; then the rules no graph has any
   * more (left by an older SMO run after the move, see removeRulesNoGraphHas) are taken away. A failure is logged and
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
      const report = await removeRulesNoGraphHas({ graphs, rules, fence });
      if (report.removedRules > 0) logger.info(report, `removed ${report.removedRules} alert rules of ${report.graphs} stopped or removed graphs (left by an earlier SMO)`);
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn({ err: message(error) }, "alert rules of stopped or removed graphs not checked now: checked again when this processor's lease is next taken");
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
 * Takes away SMO's rules that the graph they name no longer has, as recorded: a stopped or removed graph's, an
 * earlier submission's. Run when the processor's lease is taken: an older SMO run after the move to a PrometheusRule per graph (a rollback)
 * takes a stopped graph's rules out of the shared CR only, and the moved copies would keep firing. Rules of a
 * graph this SMO has no record of, and rules without a `graph` label, are not SMO's to judge: they stay.
 */
export async function removeRulesNoGraphHas(deps: { graphs: GraphCommands; rules: AlertRulesPort; fence?: () => Promise<void> }): Promise<{ removedRules: number; graphs: number }> {
  const byGraph = new Map<string, string[]>();
  for (const rule of await deps.rules.listRules()) {
    const graphId = rule.labels.graph;
    if (graphId !== undefined) byGraph.set(graphId, [...(byGraph.get(graphId) ?? []), rule.name]);
  }
  let removedRules = 0;
  let graphs = 0;
  for (const [graphId, names] of byGraph) {
    const { state, revision } = await deps.graphs.load(graphId);
    if (state.kind === 'none') continue;
    const wanted = new Set(wantedRules(state).map((rule) => rule.name));
    const unwanted = [...new Set(names)].filter((name) => !wanted.has(name));
    if (unwanted.length === 0) continue;
    await deps.fence?.();
    await deps.rules.removeRules(graphId, unwanted);
    // Started or submitted again meanwhile, the processor may have written one of them just before: written back.
    const after = await deps.graphs.load(graphId);
    const back = after.revision === revision || after.state.kind === 'none' ? [] : wantedRules(after.state).filter((rule) => unwanted.includes(rule.name));
    if (back.length > 0) await deps.rules.upsertRules(graphId, back);
    removedRules += unwanted.length - back.length;
    graphs++;
  }
  return { removedRules, graphs };
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
