import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { normalise, validateDescriptor } from '../descriptor';
import { FileRulesAdapter } from '../integrations/prometheus/file-rules.adapter';
import { SUBMISSION_LABEL, type AlertRulesPort } from '../integrations/prometheus/alert-rules.port';
import { GraphCommands } from '../application/graph-commands';
import type { CommandContext } from '../application/command-handler';
import type { GraphCommand } from '../domain/graph/commands';
import { graphStream, type GraphSubmitted } from '../domain/graph/events';
import { InMemoryRulesAdapter } from '../integrations/prometheus/in-memory-rules.adapter';
import { smoAlertRule } from '../integrations/prometheus/smo-alert-rule';
import { PrometheusRuleAdapter } from '../integrations/prometheus/prometheus-rule.adapter';
import { loadKubeconfigFile } from '../integrations/kubernetes/kubeconfig';
import { FakeKubeApi, type RunningFakeKubeApi } from '../../test/fakes/kubernetes/fake-kube-api';
import { descriptorText, graphSubmitted } from '../../test/support/graph-fixtures';
import { silentLogger, sqliteStores } from '../../test/support/stores';
import { AlertRulesProcessor, reconcileStoredRules } from './alert-rules.processor';

const submitted = graphSubmitted('demo');
const graphId = submitted.data.graphId;
const vo = submitted.data.normalised.services.find((s) => s.trigger.kind === 'event')!;

/** The demo graph submitted and placed on c1, its event-triggered service pending its event: what registers its rules. */
async function submitPlacedWithEventPending(run: (command: GraphCommand) => Promise<unknown>): Promise<void> {
  await run({ type: 'SubmitGraph', data: submitted.data });
  await place(run, submitted);
}

describe('the alert-rules processor', () => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const rules = new InMemoryRulesAdapter();
  const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules, logger: silentLogger });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  const run = (command: GraphCommand) => graphs.execute(command, context());
  const events = async () => (await stores.eventStore.readStream(graphStream(graphId))).filter((e) => e.type.startsWith('AlertRules'));
  /** Hands the processor the graph's last event, as the processing host would. */
  const handleLast = async () => processor.handle((await stores.eventStore.readStream(graphStream(graphId))).at(-1)!);
  afterAll(() => stores.dispose());

  it('takes away rules whose record was lost when the graph stops, and records that once', async () => {
    expect(vo.trigger.kind).toBe('event');
    await submitPlacedWithEventPending(run);
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
    await run({ type: 'StartGraph', data: { graphId, overbooked: [] } });
    await run({ type: 'StopGraph', data: { graphId } });
    await handleLast();
    expect(await events()).toHaveLength(1);
  });

  it('leaves the rules of a graph started again when its stop is handled after that (a parked stop re-driven)', async () => {
    // The graph the test above stopped.
    await run({ type: 'StartGraph', data: { graphId, overbooked: [] } });
    await run({ type: 'RecordServiceOutcome', event: { type: 'ServicePending', data: { graphId, serviceId: vo.id } } });
    await handleLast();
    const written = (await rules.listRules()).map((r) => r.name);
    expect(written).toHaveLength(1);
    await run({ type: 'StopGraph', data: { graphId } });
    const stop = (await stores.eventStore.readStream(graphStream(graphId))).at(-1)!;
    await run({ type: 'StartGraph', data: { graphId, overbooked: [] } });
    await run({ type: 'RecordServiceOutcome', event: { type: 'ServicePending', data: { graphId, serviceId: vo.id } } });
    await handleLast();
    const recorded = (await events()).length;

    await processor.handle(stop);
    expect((await rules.listRules()).map((r) => r.name)).toEqual(written);
    expect(await events()).toHaveLength(recorded);
  });
});

describe('the alert-rules processor with a PrometheusRule no Prometheus selects', () => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const api = new FakeKubeApi();
  let running: RunningFakeKubeApi;
  beforeAll(async () => (running = await api.start()));
  afterAll(async () => {
    await running.stop();
    stores.dispose();
  });
  const run = (command: GraphCommand) => graphs.execute(command, { commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });

  it('records the registration as failed, with why, not as registered; once a Prometheus selects it, the event handled again registers it', async () => {
    const rules = new PrometheusRuleAdapter(loadKubeconfigFile(running.kubeconfigPath, { trusted: false }), { sharedName: null, timeoutMs: 2000 });
    const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules, logger: silentLogger });
    const prometheusSelecting = (matchLabels: Record<string, string>) =>
      api.setRuleEvaluators('prometheuses', [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { ruleSelector: { matchLabels } } }]);
    prometheusSelecting({ release: 'kube-prometheus-stack' });
    await submitPlacedWithEventPending(run);
    const history = async () => stores.eventStore.readStream(graphStream(graphId));
    const pending = (await history()).at(-1)!;
    const outcomes = async () => (await history()).filter((e) => e.type.startsWith('AlertRules')).map((e) => [e.type, e.data]);

    await processor.handle(pending);
    expect(await outcomes()).toEqual([
      ['AlertRulesFailed', { graphId, serviceId: vo.id, action: 'register', error: expect.stringContaining('no Prometheus selects PrometheusRule monitoring/smo-alerts-image-detection-graph') }],
    ]);

    prometheusSelecting({ 'app.kubernetes.io/managed-by': 'smo' });
    await processor.handle(pending);
    expect((await outcomes()).map(([type]) => type)).toEqual(['AlertRulesFailed', 'AlertRulesRegistered']);
  });
});

/** The Brussels graph, its VO's event renamed to `eventId` (and the graph to `graphId`). */
function submittedWithEvent(eventId: string, graphId = 'image-detection-graph'): GraphSubmitted {
  const result = validateDescriptor(parse(descriptorText().replace('id: main-event', `id: ${eventId}`).replaceAll('image-detection-graph', graphId)));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const normalised = normalise(result.descriptor);
  return { type: 'GraphSubmitted', data: { graphId: normalised.id, project: 'demo', descriptor: result.descriptor.hdaGraph as unknown as Record<string, unknown>, source: { form: 'yaml' }, normalised, warnings: [] } };
}

/** The submitted graph placed on c1, its event-triggered service pending its event: what registers its rules. */
async function place(run: (command: GraphCommand) => Promise<unknown>, event: GraphSubmitted): Promise<void> {
  const { graphId: id, normalised } = event.data;
  const at = Object.fromEntries(normalised.services.map((s) => [s.id, 'c1']));
  await run({
    type: 'RecordPlacement',
    data: {
      graphId: id, decisionId: randomUUID(), reason: 'first-deploy', algorithm: 'naive', solver: null, objective: null, moves: 0, durationMs: 1,
      inputs: { clusters: [], services: [], previousPlacement: null }, placement: at, imports: {},
      values: Object.fromEntries(Object.keys(at).map((s) => [s, { clustersAffinity: ['c1'] }])),
      digests: Object.fromEntries(Object.keys(at).map((s) => [s, `d-${s}`])), explanation: [],
    },
  });
  const pending = normalised.services.find((s) => s.trigger.kind === 'event')!;
  await run({ type: 'RecordServiceOutcome', event: { type: 'ServicePending', data: { graphId: id, serviceId: pending.id } } });
}

const dir = mkdtempSync(join(tmpdir(), 'smo-rules-processor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['a rules file', () => new FileRulesAdapter({ path: join(dir, `${randomUUID()}.json`) })],
  ['memory', () => new InMemoryRulesAdapter()],
] as Array<[string, () => AlertRulesPort]>)('the alert-rules processor after a graph is removed and submitted again (%s)', (_kind, makeRules) => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const rules = makeRules();
  const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules, logger: silentLogger });
  const context = (): CommandContext => ({ commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  const run = (command: GraphCommand) => graphs.execute(command, context());
  afterAll(() => stores.dispose());

  it('takes away the first submission\'s rules, though the processor reaches its GraphRemoved after the graph was submitted again', async () => {
    const first = submittedWithEvent('main-event');
    const history = async () => stores.eventStore.readStream(graphStream(first.data.graphId));

    await run({ type: 'SubmitGraph', data: first.data });
    await place(run, first);
    await processor.handle((await history()).at(-1)!); // ServicePending: its rule is written
    expect((await rules.listRules()).map((r) => r.name)).toEqual(['smo_image_detection_graph__image_compression_vo__main_event']);

    // Removed and submitted again with another event id before the processor got to GraphRemoved (it was behind).
    await run({ type: 'RemoveGraph', data: { graphId: first.data.graphId } });
    // The deployment processor was not behind: it found no release of the services whose install was due.
    for (const service of first.data.normalised.services.filter((s) => s.trigger.kind === 'auto')) {
      await run({ type: 'RecordServiceOutcome', event: { type: 'ServiceUninstalled', data: { graphId: first.data.graphId, serviceId: service.id, namespace: first.data.project, command: [] } } });
    }
    const second = submittedWithEvent('main-event-v2');
    await run({ type: 'SubmitGraph', data: second.data });
    await place(run, second);

    // The processor catches up, in order: the old rule goes, the new one comes.
    const events = await history();
    for (const event of events.slice(events.findIndex((e) => e.type === 'GraphRemoved'))) await processor.handle(event);
    expect((await rules.listRules()).map((r) => r.name)).toEqual(['smo_image_detection_graph__image_compression_vo__main_event_v2']);

    // The new submission removed too, handled at once: nothing is left.
    await run({ type: 'RemoveGraph', data: { graphId: first.data.graphId } });
    await processor.handle((await history()).at(-1)!);
    expect((await rules.listRules()).map((r) => r.name)).toEqual([]);
  });

  it("at start, takes away the rules no graph has any more (an earlier submission's, a stopped graph's); keeps a running graph's, an unknown graph's and unlabelled ones", async () => {
    const third = submittedWithEvent('main-event-v3', 'rollback-graph');
    const { graphId: id } = third.data;
    await run({ type: 'SubmitGraph', data: { ...third.data, project: 'rollback' } });
    await place(run, third);
    await processor.handle((await stores.eventStore.readStream(graphStream(id))).at(-1)!);
    const current = 'smo_rollback_graph__image_compression_vo__main_event_v3';
    // Left behind by another writer (an older SMO after a rollback): an earlier submission's rule, another graph's, and one without a graph label.
    const stale = smoAlertRule({ graphId: id, serviceId: 'image-compression-vo', eventId: 'main-event', promQuery: 'vector(1)', gracePeriod: '1m', description: 'earlier' });
    const unknownGraph = smoAlertRule({ graphId: 'not-recorded-here', serviceId: 'vo', eventId: 'e', promQuery: 'vector(1)', gracePeriod: '1m', description: 'not ours' });
    const unlabelled = { name: 'main_event', expr: 'vector(1)', for: '1m', labels: { service: 'image-compression-vo' }, annotations: {} };
    await rules.upsertRules(id, [stale, unlabelled]);
    await rules.upsertRules('not-recorded-here', [unknownGraph]);
    const names = async () => (await rules.listRules()).map((r) => r.name).sort();

    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 1, rewrittenRules: 0, graphs: 1 });
    expect(await names()).toEqual([current, 'main_event', unknownGraph.name].sort());

    await run({ type: 'StopGraph', data: { graphId: id } }); // not handled by the processor (an older SMO's)
    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 1, rewrittenRules: 0, graphs: 1 });
    expect(await names()).toEqual(['main_event', unknownGraph.name].sort());
    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 0, rewrittenRules: 0, graphs: 0 });
  });

  it("at start, writes again a running graph's rule stored under its name with another query (an earlier submission's, an unlabelled one); leaves rules as it would write them", async () => {
    const graph = submittedWithEvent('main-event', 'outdated-graph');
    const { graphId: id } = graph.data;
    await run({ type: 'SubmitGraph', data: { ...graph.data, project: 'outdated' } });
    await place(run, graph);
    await processor.handle((await stores.eventStore.readStream(graphStream(id))).at(-1)!);
    const [written] = await rules.listRules().then((all) => all.filter((rule) => rule.labels.graph === id));
    expect(written).toBeDefined();
    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 0, rewrittenRules: 0, graphs: 0 });

    // Left by another writer under the same name: an earlier submission's query and grace period, without the submission label.
    const { [SUBMISSION_LABEL]: _submission, ...unlabelled } = written!.labels;
    const earlier = { ...written!, expr: 'vector(1)', for: '5m', labels: unlabelled };
    await rules.upsertRules(id, [earlier]);
    const storedRule = async () => (await rules.listRules()).filter((rule) => rule.labels.graph === id);
    expect(await storedRule()).toEqual([earlier]);

    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 0, rewrittenRules: 1, graphs: 1 });
    expect(await storedRule()).toEqual([written]);
    expect(await reconcileStoredRules({ graphs, rules })).toEqual({ removedRules: 0, rewrittenRules: 0, graphs: 0 });
  });

  it('takes a rule it wrote again back out when the graph was stopped meanwhile (the processor took it away just before)', async () => {
    const graph = submittedWithEvent('main-event', 'stopping-graph');
    const { graphId: id } = graph.data;
    const history = async () => stores.eventStore.readStream(graphStream(id));
    await run({ type: 'SubmitGraph', data: { ...graph.data, project: 'stopping' } });
    await place(run, graph);
    await processor.handle((await history()).at(-1)!);
    const [written] = await rules.listRules().then((all) => all.filter((rule) => rule.labels.graph === id));
    await rules.upsertRules(id, [{ ...written!, expr: 'vector(1)' }]);
    // The graph is stopped, and its rule taken away by the processor, between the check's read of the graph and its write.
    const racing: AlertRulesPort = {
      mode: rules.mode,
      listRules: () => rules.listRules(),
      removeRules: (graphId, names) => rules.removeRules(graphId, names),
      upsertRules: async (graphId, rewritten) => {
        if ((await history()).at(-1)!.type !== 'GraphStopped') {
          await run({ type: 'StopGraph', data: { graphId: id } });
          await processor.handle((await history()).at(-1)!);
        }
        return rules.upsertRules(graphId, rewritten);
      },
    };
    expect(await reconcileStoredRules({ graphs, rules: racing })).toMatchObject({ rewrittenRules: 1 });
    expect((await rules.listRules()).filter((rule) => rule.labels.graph === id)).toEqual([]);
  });

  it('writes a rule back when the graph was started again while it took it away (the processor wrote it just before)', async () => {
    const graph = submittedWithEvent('main-event', 'racing-graph');
    const { graphId: id } = graph.data;
    const history = async () => stores.eventStore.readStream(graphStream(id));
    await run({ type: 'SubmitGraph', data: { ...graph.data, project: 'racing' } });
    await place(run, graph);
    await processor.handle((await history()).at(-1)!);
    await run({ type: 'StopGraph', data: { graphId: id } }); // its rule left in place, as by an older SMO
    const rule = 'smo_racing_graph__image_compression_vo__main_event';
    // The graph is started again, and its rule written by the processor, between the check's read of the graph and its removal.
    const racing: AlertRulesPort = {
      mode: rules.mode,
      upsertRules: (graphId, written) => rules.upsertRules(graphId, written),
      listRules: () => rules.listRules(),
      removeRules: async (graphId, names) => {
        await run({ type: 'StartGraph', data: { graphId: id, overbooked: [] } });
        await place(run, graph);
        await processor.handle((await history()).at(-1)!);
        return rules.removeRules(graphId, names);
      },
    };
    expect(await reconcileStoredRules({ graphs, rules: racing })).toMatchObject({ removedRules: 0 });
    expect((await rules.listRules()).map((r) => r.name)).toContain(rule);
  });
});

const ROOT = '/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheusrules';
const api = new FakeKubeApi();
let kube: RunningFakeKubeApi;
beforeAll(async () => (kube = await api.start()));
afterAll(async () => kube.stop());

/** Each mode, and how its removal is made to fail: a directory at the rules file's path, the API server refusing, a lost record. */
describe.each([
  [
    'a rules file',
    () => {
      const path = join(dir, `${randomUUID()}.json`);
      const rules = new FileRulesAdapter({ path });
      return { rules, break: () => (renameSync(path, `${path}.away`), mkdirSync(path)), mend: () => (rmdirSync(path), renameSync(`${path}.away`, path)) };
    },
  ],
  [
    'a PrometheusRule',
    () => {
      const rules = new PrometheusRuleAdapter(loadKubeconfigFile(kube.kubeconfigPath, { trusted: false }), { sharedName: null, timeoutMs: 2000 });
      return { rules, break: (graphId: string) => api.failNext(`${ROOT}/smo-alerts-${graphId}`, 403), mend: () => undefined };
    },
  ],
  // Memory cannot fail: the removal is handled late, as when recording its outcome failed (the store unavailable).
  ['memory', () => ({ rules: new InMemoryRulesAdapter() as AlertRulesPort, break: () => undefined, mend: () => undefined })],
] as Array<[string, () => { rules: AlertRulesPort; break: (graphId: string) => void; mend: () => void }]>)('a parked removal re-driven after the graph was submitted again (%s)', (kind, setUp) => {
  const stores = sqliteStores();
  const graphs = new GraphCommands(stores.eventStore);
  const run = (command: GraphCommand) => graphs.execute(command, { commandId: randomUUID(), correlationId: randomUUID(), actor: 'test', now: new Date() });
  afterAll(() => stores.dispose());

  it("leaves the new submission's rules, which have the same names, and records nothing on it; the new submission's removal takes them away", async () => {
    const { rules, break: breakRemoval, mend } = setUp();
    const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules, logger: silentLogger });
    const graph = submittedWithEvent('main-event', 'redriven-graph');
    const { graphId: id } = graph.data;
    const history = async () => stores.eventStore.readStream(graphStream(id));
    const rule = 'smo_redriven_graph__image_compression_vo__main_event';
    const names = async () => (await rules.listRules()).map((r) => r.name);
    const recordedRules = async () => (await graphs.load(id)).state;

    await run({ type: 'SubmitGraph', data: graph.data });
    await place(run, graph);
    await processor.handle((await history()).at(-1)!);
    expect(await names()).toEqual([rule]);

    // Removed while its rules cannot be written: the removal fails (the runner parks it after its retries).
    breakRemoval(id);
    await run({ type: 'RemoveGraph', data: { graphId: id } });
    const removal = (await history()).at(-1)!;
    expect(removal.type).toBe('GraphRemoved');
    if (kind !== 'memory') await expect(processor.handle(removal)).rejects.toThrow();
    mend();

    // Submitted again, the same descriptor: its rule has the same name, and is written.
    for (const service of graph.data.normalised.services.filter((s) => s.trigger.kind === 'auto')) {
      await run({ type: 'RecordServiceOutcome', event: { type: 'ServiceUninstalled', data: { graphId: id, serviceId: service.id, namespace: graph.data.project, command: [] } } });
    }
    await run({ type: 'SubmitGraph', data: graph.data });
    await place(run, graph);
    await processor.handle((await history()).at(-1)!);
    expect(await names()).toEqual([rule]);
    const outcomes = (await history()).length;

    // The operator re-drives the parked removal: it is the first submission's, and the rule now is the second's.
    await processor.handle(removal);
    expect(await names()).toEqual([rule]);
    expect((await history()).length).toBe(outcomes);
    const state = await recordedRules();
    expect(state.kind === 'exists' && state.services.find((s) => s.id === 'image-compression-vo')?.alertRules).toEqual([rule]);

    await run({ type: 'RemoveGraph', data: { graphId: id } });
    await processor.handle((await history()).at(-1)!);
    expect(await names()).toEqual([]);
  });

  it("takes away the removed submission's rule when re-driven before the new submission wrote its own (same name)", async () => {
    const { rules, break: breakRemoval, mend } = setUp();
    const processor = new AlertRulesProcessor({ graphs, dispatch: (command, context) => graphs.execute(command, context), rules, logger: silentLogger });
    const graph = submittedWithEvent('main-event', 'early-graph');
    graph.data.project = 'early'; // its services' release names are another project's than the test's above
    const { graphId: id } = graph.data;
    const history = async () => stores.eventStore.readStream(graphStream(id));
    await run({ type: 'SubmitGraph', data: graph.data });
    await place(run, graph);
    await processor.handle((await history()).at(-1)!);
    breakRemoval(id);
    await run({ type: 'RemoveGraph', data: { graphId: id } });
    const removal = (await history()).at(-1)!;
    if (kind !== 'memory') await expect(processor.handle(removal)).rejects.toThrow();
    mend();
    for (const service of graph.data.normalised.services.filter((s) => s.trigger.kind === 'auto')) {
      await run({ type: 'RecordServiceOutcome', event: { type: 'ServiceUninstalled', data: { graphId: id, serviceId: service.id, namespace: graph.data.project, command: [] } } });
    }
    await run({ type: 'SubmitGraph', data: graph.data });

    // The old rule would fire for the new submission's service with the old query: it goes.
    await processor.handle(removal);
    expect(await rules.listRules()).toEqual([]);
  });
});
