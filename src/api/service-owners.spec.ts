import { serviceOwnersProjection, type ServiceOwnersDocument } from '../../projections/service-owners.projection';
import type { RecordedEvent } from '../eventstore/event-store';
import { logicalTarget, projectPage } from '../processing/projection';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { graphSubmitted } from '../../test/support/graph-fixtures';
import { firstOwnerOf } from './service-owners';

const SERVICES = ['web', 'db', 'cache', 'queue', 'worker', 'web-2'];

/** A submission of graph `graphId` whose services are `services` (the demo graph, its services renamed). */
function submitted(graphId: string, services: readonly string[]) {
  const demo = graphSubmitted('demo');
  const template = demo.data.normalised.services[0]!;
  return { type: 'GraphSubmitted', data: { ...demo.data, graphId, normalised: { ...demo.data.normalised, id: graphId, services: services.map((id) => ({ ...template, id })) } } };
}

/** 30 graphs submitted, removed and submitted again with other services, interleaved. */
function histories(steps: number): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const live = new Set<string>();
  for (let step = 0; step < steps; step++) {
    const graphId = `g${String((step * 7) % 30).padStart(2, '0')}`;
    const event = live.has(graphId) && step % 3 !== 0 ? { type: 'GraphRemoved', data: { graphId } } : submitted(graphId, SERVICES.filter((_, i) => (step + i) % 3 === 0 || i === step % SERVICES.length));
    if (event.type === 'GraphRemoved') live.delete(graphId);
    else live.add(graphId);
    const position = events.length + 1;
    events.push({ id: `e${position}`, ...event, metadata: {}, streamId: `graph-${graphId}`, revision: 0, position, created: new Date(Date.UTC(2026, 2, 1) + position * 1000).toISOString() });
  }
  return events;
}

/** The definition, as the alerts route computed it: of the graphs not removed, by id, the first whose latest submission has the service. */
function firstOwnerByDefinition(events: readonly RecordedEvent[], serviceId: string): string | null {
  const services = new Map<string, string[]>();
  for (const event of events) {
    const { graphId } = event.data as { graphId: string };
    if (event.type === 'GraphRemoved') services.delete(graphId);
    else services.set(graphId, (event.data as ReturnType<typeof submitted>['data']).normalised.services.map((s) => s.id));
  }
  return [...services.keys()].sort().find((graphId) => services.get(graphId)!.includes(serviceId)) ?? null;
}

async function project(store: MemoryReadStore, events: readonly RecordedEvent[], pageSize: number, from = 0): Promise<void> {
  for (let start = from; start < events.length; start += pageSize) {
    const writes = await projectPage<ServiceOwnersDocument>((collection, ids) => store.getMany(collection, ids), serviceOwnersProjection, logicalTarget(serviceOwnersProjection), events.slice(start, start + pageSize));
    await store.commit(writes);
  }
}

describe('service-owners projection and firstOwnerOf', () => {
  it('finds the first graph, by id, that has a service, as reading every graph did, at every step and in any page size', async () => {
    const events = histories(120);
    for (const pageSize of [1, 7, 120]) {
      const store = new MemoryReadStore();
      for (let step = 0; step < events.length; step += pageSize) {
        await project(store, events.slice(0, step + pageSize), pageSize, step);
        for (const serviceId of [...SERVICES, 'absent', 'we', 'web/']) {
          expect([step, serviceId, await firstOwnerOf(store, serviceId)]).toEqual([step, serviceId, firstOwnerByDefinition(events.slice(0, step + pageSize), serviceId)]);
        }
      }
    }
  });

  it('keeps no document for a removed graph or service, and none that grows with the graphs', async () => {
    const events = histories(300);
    const store = new MemoryReadStore();
    await project(store, events, 13);
    // Replayed pages change nothing (positions guard every document and follow-up).
    await project(store, events.slice(100, 200), 9);
    const docs = (await store.find<ServiceOwnersDocument>(serviceOwnersProjection.collection)).map(({ doc }) => doc);
    const liveGraphs = new Set(docs.flatMap((doc) => (doc.kind === 'graph' ? [doc.graphId] : [])));
    const expectedOwners = docs.flatMap((doc) => (doc.kind === 'graph' ? doc.services.map((serviceId) => `${serviceId}/${doc.graphId}`) : [])).sort();
    expect(docs.flatMap((doc) => (doc.kind === 'owner' ? [`${doc.serviceId}/${doc.graphId}`] : [])).sort()).toEqual(expectedOwners);
    const lastEventOf = new Map(events.map((event) => [(event.data as { graphId: string }).graphId, event.type]));
    expect([...liveGraphs].sort()).toEqual([...lastEventOf].flatMap(([graphId, type]) => (type === 'GraphSubmitted' ? [graphId] : [])).sort());
    expect(Math.max(...docs.map((doc) => JSON.stringify(doc).length))).toBeLessThan(300);
  });
});
