import { randomUUID } from 'node:crypto';
import type { GraphEvent, ServiceDeployed } from '../src/domain/graph/events';
import { graphStream } from '../src/domain/graph/events';
import type { RecordedEvent } from '../src/eventstore/event-store';
import { logicalTarget, projectPage, type Projection } from '../src/processing/projection';
import { builtProjectionVersion } from '../src/processing/projection-runner';
import { MemoryReadStore } from '../src/readstore/memory-read-store';
import type { ReadStore } from '../src/readstore/read-store';
import { graphSubmitted } from '../test/support/graph-fixtures';
import { demoPlacementDecided } from '../test/support/long-history';
import { eventually } from '../test/support/smo-process';
import { sqliteProcessing } from '../test/support/processing-rig';
import {
  GRAPH_COUNTS_ID,
  graphCounts,
  graphSummaries,
  graphSummaryOf,
  graphsProjection,
  type GraphCounts,
  type GraphDocument,
  type GraphSummaryDocument,
} from './graphs.projection';

const SERVICES = ['noise-reduction', 'image-detection', 'image-compression-vo'];

/**
 * Graphs submitted, placed, deployed (some installs failing), made Pending, stopped, started, given
 * proposals (some rejected), removed and submitted again, interleaved. Deterministic.
 */
function scriptedHistory(graphs: number, steps: number): Array<{ graphId: string; event: GraphEvent }> {
  const submitted = graphSubmitted('counts');
  const history: Array<{ graphId: string; event: GraphEvent }> = [];
  const exists = new Set<string>();
  for (let step = 0; step < steps; step++) {
    for (let g = 0; g < graphs; g++) {
      if ((step * 7 + g * 3) % 4 === 0) continue;
      const graphId = `g${g}`;
      const serviceId = SERVICES[(step + g) % SERVICES.length]!;
      const proposalId = `p${g}-${step}`;
      const choice = (step * 13 + g * 5) % 17;
      const event: GraphEvent = !exists.has(graphId)
        ? { type: 'GraphSubmitted', data: { ...submitted.data, graphId } }
        : choice < 3
          ? { type: 'PlacementDecided', data: demoPlacementDecided(graphId, { 'noise-reduction': 'c1', 'image-detection': `c${g % 2}` }) }
          : choice < 7
            ? { type: 'ServiceDeployed', data: { graphId, serviceId, action: 'install', cluster: 'c1', namespace: 'ns', chart: 'oci://r/c', values: {}, valuesDigest: '', command: [] } }
            : choice < 9
              ? { type: 'ServiceDeploymentFailed', data: { graphId, serviceId, action: 'install', cluster: 'c1', chart: 'oci://r/c', exitCode: 1, stderr: 'Error: boom', timedOut: false, command: [] } }
              : choice === 9
                ? { type: 'ServicePending', data: { graphId, serviceId } }
                : choice === 10
                  ? { type: 'GraphStopped', data: { graphId } }
                  : choice === 11
                    ? { type: 'GraphStarted', data: { graphId, overbooked: [] } }
                    : choice < 14
                      ? { type: 'PlacementProposed', data: { graphId, proposalId, basisDecisionId: null, diff: [], why: 'asked', expiresAt: '2030-01-01T00:00:00.000Z', decision: demoPlacementDecided(graphId, {}) } }
                      : choice === 14
                        ? { type: 'PlacementProposalRejected', data: { graphId, proposalId: `p${g}-${step - 1}`, reason: 'no' } }
                        : choice === 15
                          ? { type: 'GraphRemoved', data: { graphId } }
                          : { type: 'ServicePending', data: { graphId, serviceId: SERVICES[0]! } };
      if (event.type === 'GraphSubmitted') exists.add(graphId);
      if (event.type === 'GraphRemoved') exists.delete(graphId);
      history.push({ graphId, event });
    }
  }
  return history;
}

function recorded(history: ReturnType<typeof scriptedHistory>): RecordedEvent[] {
  return history.map(({ graphId, event }, index) => ({
    id: `e${index + 1}`,
    type: event.type,
    data: event.data,
    metadata: {},
    streamId: graphStream(graphId),
    revision: 0,
    position: index + 1,
    created: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
  })) as RecordedEvent[];
}

/** The counts as a scrape read them before: every graph document, counted. */
async function recount(store: ReadStore): Promise<GraphCounts> {
  const counts: GraphCounts = { graphs: {}, services: {}, pendingProposals: 0 };
  for (const { doc } of await store.find<GraphDocument>('graphs')) {
    counts.graphs[doc.status] = (counts.graphs[doc.status] ?? 0) + 1;
    for (const service of doc.state.services) counts.services[service.status] = (counts.services[service.status] ?? 0) + 1;
    counts.pendingProposals += doc.state.proposals.filter((proposal) => proposal.status === 'pending').length;
  }
  return counts;
}

const countsIn = async (store: ReadStore) => (await store.get<GraphCounts>(graphCounts.collection, GRAPH_COUNTS_ID))?.doc ?? null;

/**
 * Folds the events into the store page by page, each page applied twice (a retry after a lost answer: nothing
 * moves twice), and checks the store after every page.
 */
async function projectTwicePerPage(store: MemoryReadStore, events: readonly RecordedEvent[], pageSize: number, check: () => Promise<void>): Promise<void> {
  for (let start = 0; start < events.length; start += pageSize) {
    const page = events.slice(start, start + pageSize);
    for (let time = 0; time < 2; time++) {
      await store.commit(await projectPage((collection, ids) => store.getMany(collection, ids), graphsProjection, logicalTarget(graphsProjection), page));
    }
    await check();
  }
}

describe('graph counts (the summary of the graphs projection)', () => {
  const events = recorded(scriptedHistory(30, 40));

  it('equal a recount of the graph documents after every page, whatever the page size, with pages applied twice', async () => {
    const removals = events.filter((event) => event.type === 'GraphRemoved').length;
    expect(removals).toBeGreaterThan(5);
    for (const pageSize of [1, 7, 100, events.length]) {
      const store = new MemoryReadStore();
      await projectTwicePerPage(store, events, pageSize, async () => expect(await countsIn(store)).toEqual(await recount(store)));
      const final = await countsIn(store);
      // The history reaches every status the counts know.
      expect(Object.keys(final!.graphs).sort()).toEqual(['Running', 'Stopped']);
      expect(Object.keys(final!.services)).toEqual(expect.arrayContaining(['Deployed', 'Failed', 'Pending']));
      expect(final!.pendingProposals).toBeGreaterThan(0);
    }
  });

  describe('in the runner', () => {
    const rig = sqliteProcessing();
    const host = (projection: Projection<GraphDocument> = graphsProjection) => rig.host().addProjection(projection);
    const append = async (history: ReturnType<typeof scriptedHistory>) => {
      let position = 0;
      for (const { graphId, event } of history) {
        position = (await rig.stores.eventStore.appendToStream(graphStream(graphId), [{ id: randomUUID(), type: event.type, data: event.data, metadata: {} }])).position;
      }
      return position;
    };

    /** The history appended and projected by the graphs projection as it was before the counts (version 1). */
    const writtenByVersionOne = async (history: ReturnType<typeof scriptedHistory>) => {
      const { summaries: _summaries, version: _version, ...withoutCounts } = graphsProjection;
      await append(history);
      const old = host(withoutCounts);
      old.start();
      await old.whenIdle();
      await old.stop();
    };

    it('are rebuilt with the documents: deleting them changes no count', async () => {
      await append(scriptedHistory(12, 20));
      const processing = host();
      processing.start();
      await processing.whenIdle();
      const live = await countsIn(rig.stores.readStore);
      expect(live).toEqual(await recount(rig.stores.readStore));
      await rig.stores.readStore.commit([{ kind: 'delete', collection: graphCounts.collection, id: GRAPH_COUNTS_ID, position: Number.MAX_SAFE_INTEGER - 1 }]);
      expect(await countsIn(rig.stores.readStore)).toBeNull();
      await processing.rebuild('graphs');
      expect(await countsIn(rig.stores.readStore)).toEqual(live);
    });

    it('of documents written by the version without counts are built at start, blue/green, while live events go on', async () => {
      await writtenByVersionOne(scriptedHistory(12, 20));
      expect(await countsIn(rig.stores.readStore)).toBeNull();
      const before = await recount(rig.stores.readStore);
      expect(before.graphs['Running']).toBeGreaterThan(0);

      const upgraded = host();
      upgraded.start();
      // Events appended while the rebuild may run: the live loop and the rebuild both see them.
      const last = await append(scriptedHistory(14, 3).map(({ graphId, event }) => ({ graphId: `late-${graphId}`, event })));
      await upgraded.whenProcessed(last);
      await eventually(async () => (await builtProjectionVersion(rig.stores.readStore, 'graphs')) === graphsProjection.version, 10_000, 'the rebuild for the current version');
      expect(await countsIn(rig.stores.readStore)).toEqual(await recount(rig.stores.readStore));
      expect(await builtProjectionVersion(rig.stores.readStore, 'graphs')).toBe(graphsProjection.version);
      // Recorded: the next start rebuilds nothing (the collection version stays).
      const active = await rig.stores.readStore.activeCollection('graphs');
      await upgraded.stop();
      const again = host();
      again.start();
      await again.whenIdle();
      expect(await rig.stores.readStore.activeCollection('graphs')).toBe(active);
    });

    it('move with every live event after the rebuild has switched, while it still drops the old version', async () => {
      await writtenByVersionOne(scriptedHistory(8, 10));
      // A read store whose drops wait until the test lets them go: the rebuild has switched, and is still dropping.
      let letDropsGo!: () => void;
      const dropsMayGo = new Promise<void>((resolve) => (letDropsGo = resolve));
      const slowDrops = new Proxy(rig.stores.readStore, {
        get: (target, property, receiver) => (property === 'dropCollection' ? async (name: string) => dropsMayGo.then(() => target.dropCollection(name)) : Reflect.get(target, property, receiver)),
      });
      const upgraded = rig.host(slowDrops).addProjection(graphsProjection);
      upgraded.start();
      await eventually(async () => (await builtProjectionVersion(rig.stores.readStore, 'graphs')) === graphsProjection.version, 10_000, 'the switch to the current version');
      const last = await append(scriptedHistory(6, 4).map(({ graphId, event }) => ({ graphId: `late-${graphId}`, event })));
      await upgraded.whenProcessed(last);
      letDropsGo();
      expect(await countsIn(rig.stores.readStore)).toEqual(await recount(rig.stores.readStore));
    });
  });
});


/** Each graph's summary as its document gives it, by id. */
async function summariesOfDocuments(store: ReadStore): Promise<Record<string, GraphSummaryDocument>> {
  return Object.fromEntries((await store.find<GraphDocument>('graphs')).map(({ id, doc }) => [id, graphSummaryOf(doc)]));
}

const summariesIn = async (store: ReadStore): Promise<Record<string, GraphSummaryDocument>> =>
  Object.fromEntries((await store.find<GraphSummaryDocument>(graphSummaries.collection)).map(({ id, doc }) => [id, doc]));

describe('graph summaries (one small document per graph, for the lists)', () => {
  const events = recorded(scriptedHistory(12, 30));

  it("hold what a list shows of a graph: its statuses, clusters, last decision or failure, open proposals' expiries, revision", async () => {
    const graphId = 'g1';
    const deployed: ServiceDeployed['data'] = { graphId, serviceId: 'noise-reduction', action: 'install', cluster: 'c2', namespace: 'ns', chart: 'oci://r/c', values: {}, valuesDigest: '', command: [] };
    const proposal = (proposalId: string, expiresAt: string): GraphEvent => ({
      type: 'PlacementProposed',
      data: { graphId, proposalId, basisDecisionId: null, diff: [], why: 'asked', expiresAt, decision: demoPlacementDecided(graphId, {}) },
    });
    const history: GraphEvent[] = [
      { type: 'GraphSubmitted', data: { ...graphSubmitted('lists').data, graphId } },
      { type: 'PlacementDecided', data: demoPlacementDecided(graphId, { 'noise-reduction': 'c2', 'image-detection': 'c1' }) },
      { type: 'ServiceDeployed', data: deployed },
      { type: 'ServiceDeploymentFailed', data: { graphId, serviceId: 'image-detection', action: 'install', cluster: 'c1', chart: 'oci://r/c', exitCode: 1, stderr: 'Error: boom', timedOut: false, command: [] } },
      proposal('p1', '2030-01-01T00:00:00.000Z'),
      proposal('p2', '2031-01-01T00:00:00.000Z'),
      { type: 'PlacementProposalRejected', data: { graphId, proposalId: 'p1', reason: 'no' } },
    ];
    const store = new MemoryReadStore();
    const page = recorded(history.map((event) => ({ graphId, event }))).map((event, revision) => ({ ...event, revision }));
    await store.commit(await projectPage((collection, ids) => store.getMany(collection, ids), graphsProjection, logicalTarget(graphsProjection), page));
    expect((await store.get<GraphSummaryDocument>(graphSummaries.collection, graphId))?.doc).toEqual({
      name: graphId,
      project: 'lists',
      status: 'Running',
      settled: false,
      servicesByStatus: { Deployed: 1, Failed: 1, Deploying: 1 },
      clusters: ['c1', 'c2'],
      lastDecision: { decisionId: `d-${graphId}`, reason: 'first-deploy', algorithm: 'milp' },
      placementFailure: null,
      pendingProposalsExpireAt: ['2031-01-01T00:00:00.000Z'],
      revision: history.length - 1,
      updatedAt: page.at(-1)!.created,
    });
    // About 1 KB, whatever the graph's document weighs.
    expect(JSON.stringify((await store.get(graphSummaries.collection, graphId))?.doc).length).toBeLessThan(1024);
  });

  it("equal each graph document's summary after every page, whatever the page size, with pages applied twice; a removed graph has none", async () => {
    // The removals leave pages where a graph has no document: it has no summary either.
    expect(events.filter((event) => event.type === 'GraphRemoved').length).toBeGreaterThan(2);
    for (const pageSize of [1, 7, 100, events.length]) {
      const store = new MemoryReadStore();
      await projectTwicePerPage(store, events, pageSize, async () => expect(await summariesIn(store)).toEqual(await summariesOfDocuments(store)));
      expect(Object.keys(await summariesIn(store)).length).toBeGreaterThan(0);
    }
  });

  describe('in the runner', () => {
    const rig = sqliteProcessing();
    const append = async (history: ReturnType<typeof scriptedHistory>) => {
      let position = 0;
      for (const { graphId, event } of history) {
        position = (await rig.stores.eventStore.appendToStream(graphStream(graphId), [{ id: randomUUID(), type: event.type, data: event.data, metadata: {} }])).position;
      }
      return position;
    };

    it('a rebuild gives the same summaries (a summary deleted is back)', async () => {
      await append(scriptedHistory(12, 20));
      const processing = rig.host().addProjection(graphsProjection);
      processing.start();
      await processing.whenIdle();
      const live = await summariesIn(rig.stores.readStore);
      expect(Object.keys(live).length).toBeGreaterThan(3);
      expect(live).toEqual(await summariesOfDocuments(rig.stores.readStore));
      const [deleted] = Object.keys(live);
      await rig.stores.readStore.commit([{ kind: 'delete', collection: graphSummaries.collection, id: deleted!, position: Number.MAX_SAFE_INTEGER - 1 }]);
      await processing.rebuild('graphs');
      expect(await summariesIn(rig.stores.readStore)).toEqual(live);
    });

    it('of documents written by the version before them (5) are built at start, and then move with live events', async () => {
      await append(scriptedHistory(12, 20));
      const { summaries, version: _version, ...rest } = graphsProjection;
      const old = rig.host().addProjection({ ...rest, version: 5, summaries: summaries!.filter((summary) => summary !== graphSummaries) });
      old.start();
      await old.whenIdle();
      await old.stop();
      expect(await summariesIn(rig.stores.readStore)).toEqual({});

      const upgraded = rig.host().addProjection(graphsProjection);
      upgraded.start();
      await eventually(async () => (await builtProjectionVersion(rig.stores.readStore, 'graphs')) === graphsProjection.version, 10_000, 'the rebuild for the current version');
      const last = await append(scriptedHistory(5, 3).map(({ graphId, event }) => ({ graphId: `late-${graphId}`, event })));
      await upgraded.whenProcessed(last);
      const built = await summariesIn(rig.stores.readStore);
      expect(Object.keys(built)).toEqual(expect.arrayContaining(['g0', 'late-g0']));
      expect(built).toEqual(await summariesOfDocuments(rig.stores.readStore));
    });
  });
});
