import { randomUUID } from 'node:crypto';
import { GraphCommands } from '../application/graph-commands';
import type { CommandContext } from '../application/command-handler';
import type { GraphCommand } from '../domain/graph/commands';
import { graphStream } from '../domain/graph/events';
import { InMemoryRulesAdapter } from '../integrations/prometheus/in-memory-rules.adapter';
import { smoAlertRule } from '../integrations/prometheus/smo-alert-rule';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { sqliteStores } from '../../test/support/stores';
import { AlertRulesProcessor } from './alert-rules.processor';

const submitted = graphSubmitted('demo');
const graphId = submitted.data.graphId;
const vo = submitted.data.normalised.services.find((s) => s.trigger.kind === 'event')!;
const placement = Object.fromEntries(submitted.data.normalised.services.map((s) => [s.id, 'c1']));

describe('the alert-rules processor', () => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const rules = new InMemoryRulesAdapter();
  const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  const run = (command: GraphCommand) => graphs.execute(command, context());
  const events = async () => (await stores.eventStore.readStream(graphStream(graphId))).filter((e) => e.type.startsWith('AlertRules'));
  /** Hands the processor the graph's last event, as the processing host would. */
  const handleLast = async () => processor.handle((await stores.eventStore.readStream(graphStream(graphId))).at(-1)!);
  afterAll(() => stores.dispose());

  it('takes away rules whose record was lost when the graph stops, and records that once', async () => {
    expect(vo.trigger.kind).toBe('event');
    await run({ type: 'SubmitGraph', data: submitted.data });
    await run({
      type: 'RecordPlacement',
      data: {
        graphId, decisionId: 'p1', reason: 'first-deploy', algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs: 1,
        inputs: { clusters: [], services: [], previousPlacement: null }, placement, imports: {},
        values: Object.fromEntries(Object.keys(placement).map((id) => [id, { clustersAffinity: ['c1'] }])),
        digests: Object.fromEntries(Object.keys(placement).map((id) => [id, `d-${id}`])), explanation: [],
      },
    });
    await run({ type: 'RecordServiceOutcome', event: { type: 'ServicePending', data: { graphId, serviceId: vo.id } } });
    // The rules were written, then SMO stopped before it recorded AlertRulesRegistered: the history does not name them.
    const written = vo.trigger.kind === 'event' ? vo.trigger.events.map((e) => smoAlertRule({ graphId, serviceId: vo.id, eventId: e.id, promQuery: e.promQuery, gracePeriod: e.gracePeriod, description: e.description })) : [];
    await rules.upsertRules(graphId, written);
    await run({ type: 'StopGraph', data: { graphId } });

    await handleLast();
    expect(await rules.listRules()).toEqual([]);
    expect((await events()).map((e) => [e.type, e.data])).toEqual([['AlertRulesRemoved', { graphId, serviceId: vo.id, rules: written.map((r) => r.name) }]]);

    // The event handled again (at-least-once delivery): nothing more is recorded.
    await handleLast();
    expect(await events()).toHaveLength(1);
    // Started and stopped again with no rule written in between: no removal to record.
    await run({ type: 'StartGraph', data: { graphId } });
    await run({ type: 'StopGraph', data: { graphId } });
    await handleLast();
    expect(await events()).toHaveLength(1);
  });
});
