import type { RecordedEvent } from '../eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent, type GraphEvent } from '../domain/graph/events';
import type { ExistingGraph } from '../domain/graph/state';
import type { GraphCommands } from '../application/graph-commands';
import { processorContext } from '../application/processor-context';
import type { AlertRulesPort } from '../integrations/prometheus/alert-rules.port';
import { smoAlertRule } from '../integrations/prometheus/smo-alert-rule';
import type { Processor } from '../processing/processor';
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

  constructor(private readonly deps: { graphs: GraphCommands; dispatch: Dispatch; rules: AlertRulesPort }) {}

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
    for (const service of state.services.filter((s) => s.alertRules.length > 0)) {
      try {
        await this.deps.rules.removeRules(graphId, service.alertRules);
      } catch (error) {
        await record({ type: 'AlertRulesFailed', data: { graphId, serviceId: service.id, action: 'remove', error: message(error) } }, `failed:${service.id}`);
        throw error;
      }
      await record({ type: 'AlertRulesRemoved', data: { graphId, serviceId: service.id, rules: service.alertRules } }, `removed:${service.id}`);
    }
  }

  private async register(graph: ExistingGraph, serviceId: string, record: (outcome: Outcome, step: string) => Promise<unknown>): Promise<void> {
    // Only while the service still waits for its alert (a later stop or trigger makes this moot).
    const service = graph.services.find((s) => s.id === serviceId);
    const trigger = graph.normalised.services.find((s) => s.id === serviceId)?.trigger;
    if (!service || service.status !== 'Pending' || trigger?.kind !== 'event') return;
    const rules = trigger.events.map((e) =>
      smoAlertRule({ graphId: graph.graphId, serviceId, eventId: e.id, promQuery: e.promQuery, gracePeriod: e.gracePeriod, description: e.description }),
    );
    try {
      const result = await this.deps.rules.upsertRules(graph.graphId, rules);
      await record(
        {
          type: 'AlertRulesRegistered',
          data: { graphId: graph.graphId, serviceId, rules: rules.map((r) => r.name), reloaded: result.reloaded, reloadError: result.error ?? null },
        },
        `registered:${serviceId}`,
      );
    } catch (error) {
      await record({ type: 'AlertRulesFailed', data: { graphId: graph.graphId, serviceId, action: 'register', error: message(error) } }, `failed:${serviceId}`);
      throw error;
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
