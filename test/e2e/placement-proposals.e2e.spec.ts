import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { graphUseCaseOf } from '../../src/app/cqrs';
import { karmadaCluster } from '../fakes/kubernetes/fake-kube-api';
import { descriptorText } from '../support/graph-fixtures';
import { sqliteStores } from '../support/stores';
import { startRig, type OrchestratorRig } from '../support/orchestrator-rig';
import { eventually } from '../support/smo-process';
import { startApp } from '../support/app';
import { DurableProcessing } from '../../src/app/processing.composition';
import type { GraphView as View } from '../../src/api/graphs/graph-view';

const GRAPH = 'image-detection-graph';
type Answer = { graph: string; proposalId: string | null; status: string; diff: unknown[]; why: string; expiresAt: string | null; location: string | null };

/** A graph whose policy proposes automatic re-placements instead of applying them. */
const proposing = descriptorText().replace(/hdaGraphIntent:\n/, 'hdaGraphIntent:\n    placementPolicy:\n      automatic: propose\n');

describe('placement proposals, approval and move budgets', () => {
  let rig: OrchestratorRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.stop());

  const view = async () => (await (await rig.request('GET', `/graphs/${GRAPH}`)).json()) as View;
  const loseC1 = async () => {
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '4', allocatedCpu: '0', allocatedMemory: '0', ready: false }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
  };

  it('cluster lost → proposal recorded → nothing moves until approval → approval applies exactly the proposed moves', async () => {
    expect(proposing).toContain('automatic: propose');
    expect((await rig.request('POST', '/project/demo/graphs', { body: proposing, contentType: 'application/yaml' })).status).toBe(200);
    await rig.idle();
    await loseC1();
    const proposal = await eventually(async () => (await view()).proposals[0], 20_000, 'a proposal');
    expect(proposal).toMatchObject({ status: 'pending', why: expect.stringContaining('policy') });
    expect(proposal.diff).toEqual([
      { serviceId: 'image-compression-vo', from: 'c1', to: 'c2' },
      { serviceId: 'noise-reduction', from: 'c1', to: 'c2' },
      { serviceId: 'image-detection', from: 'c1', to: 'c2' },
    ]);
    await rig.idle();
    expect(rig.helmCalls('upgrade')).toEqual([]);
    expect((await view()).placement?.['noise-reduction']).toBe('c1');

    const approve = await rig.request('POST', `/graphs/${GRAPH}/placements/${proposal.proposalId}/approve`);
    expect(approve.status).toBe(200);
    await rig.idle();
    const after = await view();
    expect(after.placement).toEqual({ 'image-compression-vo': 'c2', 'noise-reduction': 'c2', 'image-detection': 'c2' });
    expect(after.proposals[0]?.status).toBe('approved');
    expect(rig.helmCalls('upgrade').map((c) => c.release).sort()).toEqual(['image-detection', 'noise-reduction']);
    // Approving twice is refused.
    expect((await rig.request('POST', `/graphs/${GRAPH}/placements/${proposal.proposalId}/approve`)).status).toBe(409);
  });

  it('a manual proposal can be rejected, and nothing moves', async () => {
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '1500m', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    const proposed = await rig.request('POST', `/graphs/${GRAPH}/placement?mode=propose`);
    expect(proposed.status).toBe(201);
    const answer = (await proposed.json()) as Answer;
    const [proposal] = (await view()).proposals;
    expect(proposal?.diff.length).toBeGreaterThan(0);
    // The answer is the proposal, and Location leads to it.
    expect(answer).toMatchObject({ graph: GRAPH, proposalId: proposal!.proposalId, status: 'pending', diff: proposal!.diff, why: 'proposal requested', expiresAt: proposal!.expiresAt });
    expect(proposed.headers.get('location')).toBe(`/graphs/${GRAPH}/proposals/${proposal!.proposalId}`);
    const followed = await rig.request('GET', proposed.headers.get('location')!);
    expect(followed.status).toBe(200);
    expect(await followed.json()).toEqual({ ...proposal, status: 'pending' });
    expect(proposed.headers.get('etag')).toBe(followed.headers.get('etag'));
    expect((await rig.request('POST', `/graphs/${GRAPH}/placements/${proposal!.proposalId}/reject`)).status).toBe(200);
    await rig.idle();
    expect((await view()).proposals[0]?.status).toBe('rejected');
    expect(rig.helmCalls('upgrade')).toEqual([]);
    expect((await rig.request('POST', `/graphs/${GRAPH}/placements/nope/approve`)).status).toBe(404);
  });

  it('a proposal asked for when nothing would move says so and records no pending proposal (issue 15 item 4)', async () => {
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    const asked = await rig.request('POST', `/graphs/${GRAPH}/placement?mode=propose`);
    expect(asked.status).toBe(200);
    expect(asked.headers.get('location')).toBeNull();
    expect(await asked.json()).toEqual({ graph: GRAPH, proposalId: null, status: 'unchanged', diff: [], why: expect.stringContaining('nothing would move'), expiresAt: null, location: null });
    await rig.idle();
    expect((await view()).proposals).toEqual([]);
    const history = (await (await rig.request('GET', `/graphs/${GRAPH}/history`)).json()) as { events: Array<{ type: string }> };
    expect(history.events.map((e) => e.type)).toContain('PlacementUnchanged');
    expect(history.events.map((e) => e.type)).not.toContain('PlacementProposed');
    expect(rig.helmCalls('upgrade')).toEqual([]);
    expect((await rig.request('GET', `/graphs/${GRAPH}/proposals/no-such-proposal`)).status).toBe(404);
  });

  it('a move budget refuses a re-placement that needs more moves', async () => {
    expect((await rig.request('POST', '/project/demo/graphs', { body: descriptorText(), contentType: 'application/yaml' })).status).toBe(200);
    await loseC1();
    await rig.idle();
    const placements = (await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).json()) as Array<{ reason: string; feasible: boolean }>;
    expect(placements.at(-1)).toMatchObject({ reason: 'cluster-lost', feasible: true });
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '6', allocatedCpu: '0', allocatedMemory: '0' }),
      karmadaCluster({ name: 'c2', cpu: '1', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    const refused = await rig.request('POST', `/graphs/${GRAPH}/placement?maxMoves=0`);
    expect(refused.status).toBe(200);
    const last = ((await (await rig.request('GET', `/graphs/${GRAPH}/placements`)).json()) as Array<{ feasible: boolean; detail?: string; bindingResource?: string }>).at(-1);
    expect(last).toMatchObject({ feasible: false, bindingResource: 'moves', detail: expect.stringContaining('budget is 0') });
    expect((await rig.request('POST', `/graphs/${GRAPH}/placement?maxMoves=lots`)).status).toBe(400);
  });
});

describe('approving a proposal re-checks the capacity it relied on', () => {
  let rig: OrchestratorRig;
  afterEach(async () => rig?.stop());
  const renamed = (graphId: string, text = descriptorText()) => text.replace(`id: ${GRAPH}`, `id: ${graphId}`);
  const view = async (graphId: string) => (await (await rig.request('GET', `/graphs/${graphId}`)).json()) as View;
  /**
   * Graphs `first` and `second` on c1 (6 cores); then c1 is lost and c2 (3 cores) joins: each graph's policy proposes
   * moving its 2.5 cores there, which fits one graph only. Answers both pending proposals, first's then second's.
   */
  const twoProposalsThatFitOneAtATime = async () => {
    rig = await startRig({
      clusters: [
        { name: 'c1', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
        { name: 'c2', cpu: '3', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', ready: false },
      ],
    });
    for (const graphId of ['first', 'second']) {
      expect((await rig.request('POST', `/project/${graphId}/graphs`, { body: renamed(graphId, proposing), contentType: 'application/yaml' })).status).toBe(200);
    }
    await rig.idle();
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '6', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', ready: false }),
      karmadaCluster({ name: 'c2', cpu: '3', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    return eventually(async () => {
      const found = await Promise.all(['first', 'second'].map(async (graphId) => (await view(graphId)).proposals[0]));
      return found.every((proposal) => proposal?.status === 'pending') ? found : undefined;
    }, 20_000, 'a proposal for each graph');
  };

  it('capacity another graph took since the proposal: the approval is refused with 409 and nothing moves; a new proposal can be asked for', async () => {
    rig = await startRig({
      clusters: [
        { name: 'c1', cpu: '4', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
        { name: 'c2', cpu: '3', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' },
      ],
    });
    expect((await rig.request('POST', '/project/a/graphs', { body: renamed('prop-graph', proposing), contentType: 'application/yaml' })).status).toBe(200);
    await rig.idle();
    // c1 is lost: the graph's policy proposes moving its 2.5 cores to c2 (3 cores).
    rig.kube.setClusters([
      karmadaCluster({ name: 'c1', cpu: '4', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0', ready: false }),
      karmadaCluster({ name: 'c2', cpu: '3', memory: '16Gi', allocatedCpu: '0', allocatedMemory: '0' }),
    ]);
    await rig.request('POST', '/clusters/sync');
    const proposal = await eventually(async () => (await view('prop-graph')).proposals[0], 20_000, 'a proposal');
    // Another graph (2.5 cores) is placed meanwhile: c2 is the only available cluster.
    expect((await rig.request('POST', '/project/b/graphs', { body: renamed('other'), contentType: 'application/yaml' })).status).toBe(200);
    await rig.idle();
    expect(Object.values((await view('other')).placement ?? {})).toEqual(['c2', 'c2', 'c2']);
    const approve = await rig.request('POST', `/graphs/prop-graph/placements/${proposal.proposalId}/approve`);
    await rig.idle();
    // Six services of 0.5 + 1 + 1 cores each pair on a 3-core cluster: the approval is refused rather than overbook.
    expect(approve.headers.get('content-type')).toContain('application/problem+json');
    expect(await approve.json()).toMatchObject({ status: 409, detail: expect.stringContaining('ask for a new one'), violations: expect.arrayContaining([expect.objectContaining({ constraint: 'cpu', subject: 'c2' })]) });
    const onC2 = [...Object.values((await view('prop-graph')).placement ?? {}), ...Object.values((await view('other')).placement ?? {})].filter((c) => c === 'c2').length;
    expect({ status: approve.status, servicesOnC2: onC2, proposal: (await view('prop-graph')).proposals[0]?.status }).toEqual({ status: 409, servicesOnC2: 3, proposal: 'pending' });
    expect(rig.helmCalls('upgrade').map((c) => c.release)).toEqual([]);
    // Asked again, the placement sees c2 taken: no placement fits.
    expect((await rig.request('POST', '/graphs/prop-graph/placement?mode=propose')).status).toBe(422);
  }, 90_000);
  it('two approvals at once that together would overbook a cluster: one is applied, the other refused with 409', async () => {
    const proposals = await twoProposalsThatFitOneAtATime();
    // Both requests enter SMO's HTTP stack in the same tick (Fastify's inject: the whole pipeline, without sockets, whose
    // connection set-up otherwise lets the first approval finish before the second arrives).
    const fastify = rig.smo.app.getHttpAdapter().getInstance();
    const approvals = await Promise.all(
      ['first', 'second'].map((graphId, k) => fastify.inject({ method: 'POST', url: `/graphs/${graphId}/placements/${proposals[k]?.proposalId}/approve` })),
    );
    await rig.idle();
    const onC2 = (await Promise.all(['first', 'second'].map(async (graphId) => Object.values((await view(graphId)).placement ?? {})))).flat().filter((c) => c === 'c2').length;
    expect({ statuses: approvals.map((answer) => answer.statusCode).sort(), servicesOnC2: onC2 }).toEqual({ statuses: [200, 409], servicesOnC2: 3 });
  }, 90_000);

  it('a re-placement that waited for an approval of the same graph decides on the graph as the approval left it, not as it was before', async () => {
    const proposals = await twoProposalsThatFitOneAtATime();
    await rig.idle();
    const { runtime } = rig.smo;
    // Another instance is approving first's proposal: it holds the placement lease.
    expect(await runtime.readStore.acquireLease('placement-approval', 'another-instance', 60_000)).toBe(true);
    // Meanwhile first is re-placed on request: the placement processor reads first (on c1) and waits for the lease.
    const replacing = rig.request('POST', '/graphs/first/placement', { headers: { prefer: 'respond-async' } });
    await eventually(async () => (await runtime.eventStore.readAll({ filter: { eventTypes: ['ReplacementRequested'] } })).some((event) => (event.data as { reason: string; graphId: string }).reason === 'manual'), 10_000, 'the re-placement requested');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // The other instance records the approval (first's 2.5 cores now on c2, of its 3) and releases the lease.
    const context = { commandId: randomUUID(), correlationId: randomUUID(), actor: 'another-instance', now: new Date() };
    await rig.smo.app.get(CommandBus).execute(graphUseCaseOf({ type: 'ApprovePlacementProposal', data: { graphId: 'first', proposalId: proposals[0]!.proposalId, now: new Date().toISOString(), overbooked: [] } }, context));
    await eventually(async () => Object.values((await view('first')).placement ?? {}).every((cluster) => cluster === 'c2'), 10_000, 'first on c2');
    await runtime.readStore.releaseLease('placement-approval', 'another-instance');
    expect((await replacing).status).toBeLessThan(300);
    await rig.idle();
    // Decided on first as it is now (on c2): it fits where it is, nothing moves. Decided on first as it was read before
    // the wait (on c1), the decision moved 3 services that were already on c2, and a move budget would have refused it.
    const onC2 = { 'image-compression-vo': 'c2', 'noise-reduction': 'c2', 'image-detection': 'c2' };
    const placements = (await (await rig.request('GET', '/graphs/first/placements')).json()) as Array<{ reason: string; feasible: boolean; moves?: number; inputs: { previousPlacement: unknown } }>;
    expect(placements.at(-1)).toMatchObject({ reason: 'manual', feasible: true, moves: 0, inputs: { previousPlacement: onC2 } });
    expect((await view('first')).placement).toEqual(onC2);
  }, 90_000);

  it('the placement ledger behind the event store (its instance died holding the lease): an approval is refused with 503 and Retry-After, nothing recorded', async () => {
    const proposals = await twoProposalsThatFitOneAtATime();
    await rig.idle();
    // Another instance ran the placement ledger and died holding its lease (the lease outlives it by its TTL): from
    // here on nobody folds the events recorded into the ledger, whose stored checkpoint stays where it is.
    const ledger = 'projection:placement-ledger';
    await rig.restart(async (dataDir) => {
      const stores = sqliteStores({ dir: dataDir });
      expect(await stores.readStore.acquireLease(ledger, 'instance-that-died', 10 * 60_000)).toBe(true);
      await stores.dispose(false);
    });
    const { runtime } = rig.smo;
    expect(await runtime.readStore.getCheckpoint(ledger)).toBe(await runtime.eventStore.headPosition());
    // The ledger holds every event so far: the first approval is checked against what it shows, and applied.
    const first = await rig.request('POST', `/graphs/first/placements/${proposals[0]?.proposalId}/approve`);
    expect(first.status).toBe(200);
    // The second would be checked against a ledger without the first approval (c2 looks empty): refused, not applied.
    const second = await rig.request('POST', `/graphs/second/placements/${proposals[1]?.proposalId}/approve`);
    const problem = { status: second.status, type: second.headers.get('content-type'), retryAfter: second.headers.get('retry-after'), body: await second.text() };
    expect(problem).toEqual({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
      retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
      body: expect.stringContaining('placement ledger is behind'),
    });
    // Both applied would put 5 cores on c2's 3.
    const approved = await runtime.eventStore.readAll({ filter: { eventTypes: ['PlacementProposalApproved'] } });
    expect(approved.map((event) => (event.data as { graphId: string }).graphId)).toEqual(['first']);
  }, 90_000);
});

describe('an approval other approvals keep waiting', () => {
  it('is refused with 503 and Retry-After once it has waited its bound, nothing recorded', async () => {
    const smo = await startApp();
    try {
      // Another instance holds the approval lease (an approval of its own in progress, or it died holding it).
      expect(await smo.runtime.readStore.acquireLease('placement-approval', 'another-instance', 60_000)).toBe(true);
      const refused = await fetch(`${smo.url}/graphs/some-graph/placements/some-proposal/approve`, { method: 'POST' });
      expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), type: refused.headers.get('content-type'), body: await refused.json() }).toEqual({
        status: 503,
        retryAfter: expect.stringMatching(/^[1-9][0-9]*$/),
        type: expect.stringContaining('application/problem+json'),
        body: expect.objectContaining({ status: 503, detail: expect.stringContaining('Nothing was recorded') }),
      });
      expect(await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['PlacementProposalApproved'] } })).toEqual([]);
    } finally {
      await smo.close();
    }
  }, 30_000);
});

describe('automatic placements and approvals decide one at a time', () => {
  it('a first placement waits while another instance holds the placement lease (an approval in progress), and is decided once it is released', async () => {
    const smo = await startApp({ SMO_DEPLOY_WAIT: '0' });
    const decided = async () => (await smo.runtime.eventStore.readAll({ filter: { eventTypes: ['PlacementDecided'] } })).length;
    try {
      expect(await smo.runtime.readStore.acquireLease('placement-approval', 'another-instance', 60_000)).toBe(true);
      const deploy = await fetch(`${smo.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect(deploy.status).toBe(202);
      // Deciding now could take capacity the approval is taking: the placement waits.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await decided()).toBe(0);
      await smo.runtime.readStore.releaseLease('placement-approval', 'another-instance');
      await eventually(async () => (await decided()) === 1, 10_000, 'the placement, once the lease is released');
    } finally {
      await smo.close();
    }
  }, 30_000);
});

describe('a placement on an instance that does not run the cluster sync (two instances over one store)', () => {
  it('is decided on the inventory the other instance synced, without waiting out the first-sync bound under the placement lease', async () => {
    const first = await startApp({ SMO_DEPLOY_WAIT: '0' });
    let second: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      await first.app.get(DurableProcessing).clusterSync.whenSynced(10_000);
      await first.runtime.processing.whenIdle();
      // The second instance: the first keeps the cluster sync (its lease), and hands it the processors.
      second = await startApp({ SMO_DEPLOY_WAIT: '0', SMO_LEASE_TTL: '2' }, { dataDir: first.dataDir });
      await first.runtime.processing.stop();
      await eventually(async () => (await second!.runtime.processing.report()).every((runner) => runner.state === 'running') || undefined, 10_000, 'the second instance running the processors');
      const deploy = await fetch(`${second.url}/project/demo/graphs`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: descriptorText() });
      expect(deploy.status).toBe(202);
      const started = Date.now();
      await eventually(async () => (await second!.runtime.eventStore.readAll({ filter: { eventTypes: ['PlacementDecided'] } })).length === 1 || undefined, 40_000, 'the placement');
      // Waiting for a first sync of its own (never: the other instance syncs) held the placement lease, every approval's and placement's, 30 s.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await second?.close({ keepData: true });
      await first.close();
    }
  }, 90_000);
});
