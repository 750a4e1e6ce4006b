import type { RecordedEvent } from '../../eventstore/event-store';
import type { PlacementDecided, PlacementInputs } from '../../domain/graph/events';
import { intentPlacement, milpPlacement, type ClusterCapacity, type LatencyLimitsMs } from '../../optimizer';
import { replayDecisions, type ReplayOptions } from './counterfactual-replay';

/**
 * The replay re-solves a recorded decision from its recorded inputs: with the options the decision was made with, it
 * must give the recorded answer (and the independent check must find no violation in either), as a fresh placement on
 * the same inputs does.
 */

const SAME: ReplayOptions = { solver: 'highs', algorithm: 'milp', objective: 'min-moves' };

// x needs y within `ultralow`: a–b is 5 ms, c is far from both; c alone can also host the two together.
const clusters = [
  { name: 'a', cpu: 2, memoryBytes: null, gpu: 0, available: true },
  { name: 'b', cpu: 2, memoryBytes: null, gpu: 0, available: true },
  { name: 'c', cpu: 4, memoryBytes: null, gpu: 0, available: true },
];
const services = [
  { id: 'x', cpu: 2, memoryBytes: 0, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'y', qos: 'ultralow' as const }] },
  { id: 'y', cpu: 2, memoryBytes: 0, gpu: false, replicas: 1 },
];
const clusterLatencyMs = { a: { b: 5, c: 40 }, b: { c: 40 } };

let revision = 0;
function decided(inputs: PlacementInputs, placement: Record<string, string>, extra: Partial<PlacementDecided['data']> = {}): RecordedEvent {
  revision += 1;
  const data: PlacementDecided['data'] = {
    graphId: 'g',
    decisionId: `d${revision}`,
    reason: 'manual',
    algorithm: 'milp',
    solver: 'highs',
    objective: 0,
    moves: 0,
    durationMs: 1,
    inputs,
    placement,
    imports: {},
    values: {},
    digests: {},
    explanation: [],
    ...extra,
  };
  return { id: `e${revision}`, type: 'PlacementDecided', data, metadata: {}, streamId: 'graph-g', revision, position: revision, created: '2026-01-05T10:00:00.000Z' };
}

/** What the lifecycle records: the engine's placement on these inputs, with the server's latency limits. */
async function recordedDecision(previousPlacement: Record<string, string>, latencyLimitsMs?: Partial<LatencyLimitsMs>): Promise<RecordedEvent> {
  const result = await milpPlacement(clusters, services, previousPlacement, { clusterLatencyMs, ...(latencyLimitsMs ? { latencyLimitsMs } : {}) });
  if (!result.feasible) throw new Error(result.reason);
  return decided({ clusters, services, previousPlacement, clusterLatencyMs }, { ...result.placement });
}

describe('counterfactual replay of a decision with latency requirements', () => {
  it('with the recorded options, reproduces the recorded placement from its recorded round trips, and finds no violation', async () => {
    const event = await recordedDecision({ x: 'a', y: 'b' });
    expect((event.data as PlacementDecided['data']).placement).toEqual({ x: 'a', y: 'b' }); // a–b is close enough: no move
    const [replayed] = (await replayDecisions([event], SAME)).decisions;
    expect(replayed).toMatchObject({
      recorded: { placement: { x: 'a', y: 'b' }, violations: [] },
      replayed: { feasible: true, placement: { x: 'a', y: 'b' }, moves: 0, violations: [] },
      differences: [],
    });
  });

  it('fresh, by first fit or by the MILP: the answer of a fresh placement on the same inputs', async () => {
    const event = await recordedDecision({ x: 'a', y: 'b' });
    const fresh = await milpPlacement(clusters, services, undefined, { clusterLatencyMs });
    expect(fresh.feasible).toBe(true);
    const [milp] = (await replayDecisions([event], { ...SAME, objective: 'fresh' })).decisions;
    expect(milp?.replayed).toMatchObject({ feasible: true, placement: fresh.feasible ? fresh.placement : {}, violations: [] });
    const [naive] = (await replayDecisions([event], { ...SAME, algorithm: 'naive', objective: 'fresh' })).decisions;
    // First fit: x on a (the first with room), then y on b, 5 ms from a.
    expect(naive?.replayed).toMatchObject({ feasible: true, placement: { x: 'a', y: 'b' }, violations: [] });
  });

  it("under the server's latency limits, as the decision was made", async () => {
    // With ultralow < 4 ms, a–b (5 ms) is too far: the decision put both on c.
    const limits = { ultralow: 4 };
    const event = await recordedDecision({ x: 'a', y: 'b' }, limits);
    expect((event.data as PlacementDecided['data']).placement).toEqual({ x: 'c', y: 'c' });
    const [replayed] = (await replayDecisions([event], SAME, { latencyLimitsMs: limits })).decisions;
    expect(replayed).toMatchObject({ recorded: { violations: [] }, replayed: { placement: { x: 'c', y: 'c' }, violations: [] }, differences: [] });
  });

  it('under intents, with the round trips the decision saw', async () => {
    const intents = { energyEfficiency: true };
    const result = await intentPlacement(clusters, services, { x: 'a', y: 'b' }, { clusterLatencyMs, intents });
    if (!result.feasible) throw new Error(result.reason);
    const event = decided({ clusters, services, previousPlacement: { x: 'a', y: 'b' }, clusterLatencyMs, intents }, { ...result.placement });
    const [replayed] = (await replayDecisions([event], SAME)).decisions;
    expect(replayed).toMatchObject({ recorded: { violations: [] }, replayed: { placement: result.placement, violations: [] }, differences: [] });
  });
});

describe('counterfactual replay under the security intent with a configured trust label', () => {
  it('checks the recorded and the replayed placement against the label the server reads', async () => {
    const trusted = 'example.org/trusted';
    const labelled = clusters.map((cluster): ClusterCapacity => ({ ...cluster, labels: cluster.name === 'c' ? { [trusted]: 'true' } : {} }));
    const plain = services.map(({ latencies: _latencies, ...service }) => service);
    const intents = { security: true };
    const result = await intentPlacement(labelled, plain, undefined, { intents, labelKeys: { trusted } });
    if (!result.feasible) throw new Error(result.reason);
    expect(result.placement).toEqual({ x: 'c', y: 'c' });
    const event = decided({ clusters: labelled, services: plain, previousPlacement: null, intents }, { ...result.placement });
    const [replayed] = (await replayDecisions([event], SAME, { intentLabels: { trusted } })).decisions;
    expect(replayed).toMatchObject({ recorded: { violations: [] }, replayed: { placement: { x: 'c', y: 'c' }, violations: [] }, differences: [] });
  });
});

describe('counterfactual replay of a highAvailability decision', () => {
  it('counts the moves and the load of every cluster a service runs on, as the decision did', async () => {
    const three = ['a', 'b', 'c'].map((name): ClusterCapacity => ({ name, cpu: 4, memoryBytes: null, gpu: 0, available: name !== 'b' }));
    const ha = [{ id: 'x', cpu: 1, memoryBytes: 0, gpu: false, replicas: 1 }];
    const intents = { highAvailability: true };
    // x ran on a and b; b is lost: x keeps a and gets c (one move).
    const result = await intentPlacement(three, ha, { x: 'a' }, { intents, currentSets: { x: ['a', 'b'] } });
    if (!result.feasible) throw new Error(result.reason);
    expect(result.clusterSets).toEqual({ x: ['a', 'c'] });
    expect(result.terms.moves).toBe(1);
    const event = decided(
      { clusters: three, services: ha, previousPlacement: { x: 'a' }, intents, previousClusterSets: { x: ['a', 'b'] } },
      { ...result.placement },
      { moves: result.terms.moves, clusterSets: { x: ['a', 'c'] } },
    );
    const [replayed] = (await replayDecisions([event], SAME)).decisions;
    const expected = { moves: 1, utilisation: { a: 0.25, b: 0, c: 0.25 }, violations: [] };
    expect(replayed).toMatchObject({ recorded: expected, replayed: { ...expected, clusterSets: { x: ['a', 'c'] } }, differences: [] });
  });
});
