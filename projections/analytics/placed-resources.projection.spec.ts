import type { RecordedEvent } from '../../src/eventstore/event-store';
import type { GraphEvent } from '../../src/domain/graph/events';
import { summedAtEveryPoint } from '../../test/support/cluster-load-definition';
import { demoPlacementDecided, longHistoryEvent } from '../../test/support/long-history';
import {
  HOURLY_POINTS,
  RECENT_POINTS,
  clusterLoadSeries,
  loadByCluster,
  placedAfter,
  placedResourcesProjection,
  type LoadPoint,
  type PlacedResources,
} from './placed-resources.projection';
import { scalingActionsProjection, type ScalingActions } from './scaling-actions.projection';

const graphId = 'g';
const basis = { ...demoPlacementDecided(graphId, { 'noise-reduction': 'c1', 'image-detection': 'c2' }), decisionId: 'd0' };

/** A scripted history: a placement, then the long-history mix with a stop and a start, at irregular times. */
function scriptedHistory(count: number, meanGapMinutes: number): RecordedEvent[] {
  let time = Date.parse('2026-03-01T00:00:00Z');
  const events: GraphEvent[] = [{ type: 'PlacementDecided', data: basis }];
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count / 3)) events.push({ type: 'GraphStopped', data: { graphId } });
    if (i === Math.floor(count / 3) + 5) events.push({ type: 'GraphStarted', data: { graphId, overbooked: [] } });
    events.push(longHistoryEvent(graphId, i, basis));
  }
  return events.map((event, index) => {
    time += 1000 + ((index * 7919) % 13) * (meanGapMinutes / 6) * 60_000; // strictly increasing, irregular
    return { id: `e${index}`, type: event.type, data: event.data, metadata: {}, streamId: `graph-${graphId}`, revision: index, position: index + 1, created: new Date(time).toISOString() };
  });
}

const relevant = (events: RecordedEvent[]) => events.filter((e) => placedResourcesProjection.filter.eventTypes!.includes(e.type));

/** Today's per-event series: one point after every event. */
function perEventSeries(events: RecordedEvent[]): LoadPoint[] {
  let doc: PlacedResources = { graphId, running: true, services: {}, timeline: [] };
  return events.map((event) => {
    doc = placedAfter(doc, event as unknown as GraphEvent);
    return { at: event.created, position: event.position, byCluster: loadByCluster(doc) };
  });
}

function bucketed(events: RecordedEvent[]): PlacedResources {
  return events.reduce<PlacedResources | null>((doc, event) => placedResourcesProjection.evolve(doc, event, graphId), null)!;
}

describe('analytics: cluster load in hour buckets instead of one point per event', () => {
  it('keeps the latest changes exactly, and for each older hour the load after its last change', () => {
    const events = relevant(scriptedHistory(3000, 4));
    const series = perEventSeries(events);
    const doc = bucketed(events);
    const hourly = doc.hourly ?? 0;
    expect(doc.timeline.slice(hourly)).toEqual(series.slice(-RECENT_POINTS));
    const older = series.slice(0, -RECENT_POINTS);
    const lastOfHour = older.filter((point, i) => older[i + 1]?.at.slice(0, 13) !== point.at.slice(0, 13));
    expect(hourly).toBeGreaterThan(50);
    expect(doc.timeline.slice(0, hourly)).toEqual(lastOfHour);
    // Same totals: the merged per-cluster series ends where the per-event one ends, and at each bucketed point it reads what the per-event one read then.
    const fromBuckets = clusterLoadSeries([doc]);
    const fromEvents = clusterLoadSeries([{ ...doc, timeline: series, hourly: 0 }]);
    expect(Object.keys(fromBuckets).sort()).toEqual(Object.keys(fromEvents).sort());
    for (const cluster of Object.keys(fromEvents)) {
      expect(fromBuckets[cluster]!.at(-1)).toEqual(fromEvents[cluster]!.at(-1));
      const valueAt = (at: string) => fromEvents[cluster]!.filter((p) => p.at <= at).at(-1) ?? { cpu: 0, memoryBytes: 0 };
      for (const point of fromBuckets[cluster]!) expect({ cpu: point.cpu, memoryBytes: point.memoryBytes }).toEqual({ cpu: valueAt(point.at).cpu, memoryBytes: valueAt(point.at).memoryBytes });
    }
  });

  it('merges many graphs into the series the definition gives: after each change, the sum of every graph’s latest load', () => {
    // 40 graphs whose histories interleave, on three clusters, with CPU figures that are not binary fractions.
    let position = 0;
    const histories = Array.from({ length: 40 }, (_, g) => ({ id: `g${g}`, events: [] as RecordedEvent[] }));
    for (let step = 0; step < 60; step++) {
      for (const history of histories) {
        if ((step * 31 + Number(history.id.slice(1)) * 17) % 5 !== 0) continue;
        const g = Number(history.id.slice(1));
        const data =
          history.events.length === 0 || step % 11 === 0
            ? demoPlacementDecided(history.id, { 'noise-reduction': `c${(g + step) % 3}`, 'image-detection': `c${(g + 1) % 3}` }, { cpu: 0.1 * ((g % 7) + 1), replicas: 1 + (step % 3) })
            : { graphId: history.id, serviceId: 'image-detection', cluster: `c${(g + 1) % 3}`, from: 1, to: 1 + ((step + g) % 4), requestRate: 1, solver: 'highs', objective: 0 };
        const type = 'decisionId' in data ? 'PlacementDecided' : 'ServiceScaled';
        position++;
        history.events.push({ id: `e${position}`, type, data, metadata: {}, streamId: `graph-${history.id}`, revision: history.events.length, position, created: new Date(Date.UTC(2026, 2, 1) + position * 60_000).toISOString() });
      }
    }
    const docs = histories.map((history) => history.events.reduce<PlacedResources | null>((doc, event) => placedResourcesProjection.evolve(doc, event, history.id), null)!);
    const merged = clusterLoadSeries(docs);
    expect(merged).toEqual(summedAtEveryPoint(docs));
    expect(Object.values(merged).reduce((sum, points) => sum + points.length, 0)).toBeGreaterThan(400);
  });

  it('a graph deployed again under a removed graph’s id counts, even when the removed one was stopped', () => {
    const placed: GraphEvent = { type: 'PlacementDecided', data: basis };
    const events = [placed, { type: 'GraphStopped', data: { graphId } }, { type: 'GraphRemoved', data: { graphId } }, placed] as GraphEvent[];
    const doc = events.reduce<PlacedResources>((current, event) => placedAfter(current, event), { graphId, running: true, services: {}, timeline: [] });
    expect(loadByCluster(doc)).toEqual(loadByCluster(placedAfter({ graphId, running: true, services: {}, timeline: [] }, placed)));
    expect(Object.keys(loadByCluster(doc))).toEqual(['c1', 'c2']);
  });

  it('stays bounded however long the graph lives: the oldest hours are dropped first', () => {
    const events = relevant(scriptedHistory(12_000, 20));
    const doc = bucketed(events);
    expect(doc.hourly).toBe(HOURLY_POINTS);
    expect(doc.timeline).toHaveLength(HOURLY_POINTS + RECENT_POINTS);
    const series = perEventSeries(events);
    expect(doc.timeline.at(-1)).toEqual(series.at(-1));
    expect(JSON.stringify(doc).length).toBeLessThan(1_000_000);
  });

  it('scaling actions keep exact totals with a capped list of recent actions', () => {
    const events = scriptedHistory(3000, 4).filter((e) => e.type === 'ServiceScaled');
    const docs = new Map<string, ScalingActions>();
    for (const event of events) {
      const [id] = scalingActionsProjection.documentIds(event);
      docs.set(id!, scalingActionsProjection.evolve(docs.get(id!) ?? null, event, id!)!);
    }
    const actions = [...docs.values()];
    expect(actions.reduce((sum, doc) => sum + doc.actions, 0)).toBe(events.length);
    const data = events.map((e) => e.data as { from: number; to: number });
    expect(actions.reduce((sum, doc) => sum + doc.ups, 0)).toBe(data.filter((d) => d.to > d.from).length);
    expect(actions.every((doc) => doc.recent.length <= 50)).toBe(true);
  });
});
