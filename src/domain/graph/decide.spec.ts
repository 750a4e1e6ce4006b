import { deciderSpecification } from '../../../test/support/decider-specification';
import { graphSubmitted } from '../../../test/support/graph-fixtures';
import { graphDecider } from './decide';
import type { GraphCommand } from './commands';
import type { GraphEvent, GraphSubmitted, PlacementDecided } from './events';
import { DECIDED_PROPOSALS_KEPT, evolveGraph } from './evolve';
import { MAX_FIRING_ALERTS_PER_EVENT, initialGraphState, isSettled, type ExistingGraph } from './state';

const spec = deciderSpecification(graphDecider);
const submitted = graphSubmitted('demo');
const graphId = submitted.data.graphId;

const placed = (placement: Record<string, string>, digest = 'd1', reason: PlacementDecided['data']['reason'] = 'first-deploy'): PlacementDecided => ({
  type: 'PlacementDecided',
  data: {
    graphId,
    decisionId: `p-${digest}`,
    reason,
    algorithm: 'naive',
    solver: null,
    objective: null,
    moves: 0,
    durationMs: 1,
    inputs: { clusters: [], services: [], previousPlacement: null },
    placement,
    imports: {},
    values: Object.fromEntries(Object.keys(placement).map((id) => [id, { clustersAffinity: [placement[id]] }])),
    digests: Object.fromEntries(Object.keys(placement).map((id) => [id, `${digest}-${placement[id]}`])),
    explanation: [],
  },
});
const onC1 = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' });
const deployed = (serviceId: string, cluster = 'c1', digest = 'd1'): GraphEvent => ({
  type: 'ServiceDeployed',
  data: { graphId, serviceId, action: 'install', cluster, namespace: 'demo', chart: 'oci://x', values: {}, valuesDigest: `${digest}-${cluster}`, command: [] },
});
const pending: GraphEvent = { type: 'ServicePending', data: { graphId, serviceId: 'image-compression-vo' } };
const running = [submitted, onC1, pending, deployed('noise-reduction'), deployed('image-detection')];
const fold = (events: GraphEvent[]) => events.reduce(evolveGraph, initialGraphState) as ExistingGraph;
const statuses = (events: GraphEvent[]) => Object.fromEntries(fold(events).services.map((s) => [s.id, s.status]));

describe('graph decider', () => {
  describe('submit', () => {
    it('records a new graph', () => spec.given([]).when({ type: 'SubmitGraph', data: submitted.data }).then([submitted]));
    it('refuses a duplicate id', () =>
      spec.given([submitted]).when({ type: 'SubmitGraph', data: submitted.data }).thenThrows({ kind: 'conflict', message: `Graph with name ${graphId} already exists` }));
    it('refuses a duplicate id from another project, naming the project it is in', () =>
      spec
        .given([submitted])
        .when({ type: 'SubmitGraph', data: { ...submitted.data, project: 'team-b' } })
        .thenThrows({ kind: 'conflict', message: `Graph with name ${graphId} already exists in project ${submitted.data.project} (graph names are unique across projects)` }));
    it('accepts the id again once the graph was removed', () =>
      spec.given([submitted, { type: 'GraphRemoved', data: { graphId } }]).when({ type: 'SubmitGraph', data: submitted.data }).then([submitted]));
    it('refuses the id while the removed graph still has releases installed', () =>
      spec.given([...running, { type: 'GraphRemoved', data: { graphId } }]).when({ type: 'SubmitGraph', data: submitted.data }).thenThrows({ kind: 'conflict' }));
  });

  describe('placement and deployment outcomes', () => {
    it('records a placement; every service is Deploying until its outcome, Pending for the event-triggered one', () => {
      spec.given([submitted]).when({ type: 'RecordPlacement', data: onC1.data }).then([onC1]);
      expect(statuses([submitted, onC1])).toEqual({ 'image-compression-vo': 'Deploying', 'noise-reduction': 'Deploying', 'image-detection': 'Deploying' });
      expect(statuses([submitted, onC1, pending])).toMatchObject({ 'image-compression-vo': 'Pending' });
    });
    it('settles once every service is Deployed, Pending or Failed', () => {
      expect(isSettled(fold([submitted, onC1]))).toBe(false);
      expect(isSettled(fold(running))).toBe(true);
      expect(statuses(running)).toEqual({ 'image-compression-vo': 'Pending', 'noise-reduction': 'Deployed', 'image-detection': 'Deployed' });
    });
    it('shows a failed install with its error, settled', () => {
      const failed: GraphEvent = {
        type: 'ServiceDeploymentFailed',
        data: { graphId, serviceId: 'noise-reduction', action: 'install', cluster: 'c1', chart: 'oci://x', exitCode: 1, stderr: 'Error: boom', timedOut: false, command: [] },
      };
      const graph = fold([submitted, onC1, pending, failed, deployed('image-detection')]);
      expect(graph.services.find((s) => s.id === 'noise-reduction')).toMatchObject({ status: 'Failed', failure: { exitCode: 1, stderr: 'Error: boom' } });
      expect(isSettled(graph)).toBe(true);
    });
    it('records a placement failure; nothing deploys', () => {
      const failure: GraphEvent = {
        type: 'PlacementFailed',
        data: { graphId, decisionId: 'p0', reason: 'first-deploy', algorithm: 'naive', detail: 'no fit', bindingResource: 'cpu', serviceId: null, inputs: { clusters: [], services: [], previousPlacement: null } },
      };
      expect(statuses([submitted, failure])).toEqual({ 'image-compression-vo': 'Not deployed', 'noise-reduction': 'Not deployed', 'image-detection': 'Not deployed' });
      expect(isSettled(fold([submitted, failure]))).toBe(true);
    });
    it('refuses outcomes for unknown graphs and services', () => {
      spec.given([]).when({ type: 'RecordPlacement', data: onC1.data }).thenThrows({ kind: 'not-found' });
      spec.given([submitted]).when({ type: 'RecordServiceOutcome', event: { type: 'ServicePending', data: { graphId, serviceId: 'ghost' } } }).thenThrows({ kind: 'not-found' });
    });
  });

  describe('stop and start', () => {
    it('stops a running graph; installed services head for uninstall', () => {
      spec.given(running).when({ type: 'StopGraph', data: { graphId } }).then([{ type: 'GraphStopped', data: { graphId } }]);
      expect(statuses([...running, { type: 'GraphStopped', data: { graphId } }])).toEqual({
        'image-compression-vo': 'Not deployed',
        'noise-reduction': 'Uninstalling',
        'image-detection': 'Uninstalling',
      });
    });
    it('refuses to stop a stopped graph', () =>
      spec.given([...running, { type: 'GraphStopped', data: { graphId } }]).when({ type: 'StopGraph', data: { graphId } }).thenThrows({
        kind: 'conflict',
        message: `Graph with name ${graphId} is already stopped`,
      }));
    it('starts a stopped graph and wants back what stop removed (B5)', () => {
      const stopped: GraphEvent[] = [
        ...running,
        { type: 'GraphStopped', data: { graphId } },
        { type: 'ServiceUninstalled', data: { graphId, serviceId: 'noise-reduction', namespace: 'demo', command: [] } },
        { type: 'ServiceUninstalled', data: { graphId, serviceId: 'image-detection', namespace: 'demo', command: [] } },
      ];
      expect(statuses(stopped)).toEqual({ 'image-compression-vo': 'Not deployed', 'noise-reduction': 'Not deployed', 'image-detection': 'Not deployed' });
      spec.given(stopped).when({ type: 'StartGraph', data: { graphId, overbooked: [] } }).then([{ type: 'GraphStarted', data: { graphId, overbooked: [] } }]);
      expect(statuses([...stopped, { type: 'GraphStarted', data: { graphId, overbooked: [] } }])).toEqual({
        'image-compression-vo': 'Deploying',
        'noise-reduction': 'Deploying',
        'image-detection': 'Deploying',
      });
    });
    it('a graph whose placement no longer fits when started (capacity taken while stopped) drops it, to be placed anew before any install', () => {
      const stopped: GraphEvent[] = [...running, { type: 'GraphStopped', data: { graphId } }];
      const overbooked = [{ constraint: 'cpu', subject: 'c1', detail: 'needs 2.5 cores, 0.5 free' }];
      spec.given(stopped).when({ type: 'StartGraph', data: { graphId, overbooked } }).then([{ type: 'GraphStarted', data: { graphId, overbooked } }]);
      const started = fold([...stopped, { type: 'GraphStarted', data: { graphId, overbooked } }]);
      expect({ placement: started.placement, targets: started.services.map((s) => s.target), settled: isSettled(started) }).toEqual({
        placement: null,
        targets: [null, null, null],
        settled: false,
      });
      // Never placed, nothing is checked: the placement processor places it anew anyway.
      const neverPlaced: GraphEvent[] = [submitted, { type: 'GraphStopped', data: { graphId } }];
      spec.given(neverPlaced).when({ type: 'StartGraph', data: { graphId, overbooked } }).then([{ type: 'GraphStarted', data: { graphId, overbooked: [] } }]);
    });
    it('a graph whose first placement failed is mid-way again once started, not settled on that failure', () => {
      const failure: GraphEvent = {
        type: 'PlacementFailed',
        data: { graphId, decisionId: 'p0', reason: 'first-deploy', algorithm: 'naive', detail: 'no fit', bindingResource: 'cpu', serviceId: null, inputs: { clusters: [], services: [], previousPlacement: null } },
      };
      const stopped = [submitted, failure, { type: 'GraphStopped', data: { graphId } } as GraphEvent];
      expect(isSettled(fold(stopped))).toBe(true);
      const started = fold([...stopped, { type: 'GraphStarted', data: { graphId, overbooked: [] } }]);
      expect({ settled: isSettled(started), placementFailure: started.placementFailure }).toEqual({ settled: false, placementFailure: null });
      // A graph placed once keeps a later re-placement's failure across a stop and start: it runs where it was.
      const replacementFailed: GraphEvent = { ...failure, data: { ...failure.data, decisionId: 'p1', reason: 'cluster-lost' } };
      const placedThenStarted = fold([...running, replacementFailed, { type: 'GraphStopped', data: { graphId } }, { type: 'GraphStarted', data: { graphId, overbooked: [] } }]);
      expect(placedThenStarted.placementFailure).toMatchObject({ decisionId: 'p1' });
    });
    it('an install recorded after the stop is still to be uninstalled, and an uninstall recorded after the start still to be reinstalled: neither settles', () => {
      // The deployment processor installs (from the graph read before the stop) while the stop is recorded: the stop
      // must not answer then, with releases it has yet to uninstall.
      const stopped: GraphEvent = { type: 'GraphStopped', data: { graphId } };
      const started: GraphEvent = { type: 'GraphStarted', data: { graphId, overbooked: [] } };
      const installedAfterStop = [submitted, onC1, pending, stopped, deployed('noise-reduction'), deployed('image-detection')];
      expect(statuses(installedAfterStop)).toEqual({ 'image-compression-vo': 'Not deployed', 'noise-reduction': 'Uninstalling', 'image-detection': 'Uninstalling' });
      expect(isSettled(fold(installedAfterStop))).toBe(false);
      // Started again while the stop's uninstall ran (from the graph read while stopped): the start's reinstall is due.
      const uninstalled = (serviceId: string): GraphEvent => ({ type: 'ServiceUninstalled', data: { graphId, serviceId, namespace: 'demo', command: [] } });
      const uninstalledAfterStart = [...installedAfterStop, started, uninstalled('noise-reduction'), uninstalled('image-detection')];
      expect(statuses(uninstalledAfterStart)).toEqual({ 'image-compression-vo': 'Deploying', 'noise-reduction': 'Deploying', 'image-detection': 'Deploying' });
      expect(isSettled(fold(uninstalledAfterStart))).toBe(false);
      expect(statuses([...uninstalledAfterStart, pending, deployed('noise-reduction'), deployed('image-detection')])).toEqual({
        'image-compression-vo': 'Pending',
        'noise-reduction': 'Deployed',
        'image-detection': 'Deployed',
      });
    });
    it('refuses to start a running graph', () =>
      spec.given(running).when({ type: 'StartGraph', data: { graphId, overbooked: [] } }).thenThrows({ kind: 'conflict', message: `Graph with name ${graphId} is already running` }));
    it('refuses commands on unknown or removed graphs', () => {
      spec.given([]).when({ type: 'StopGraph', data: { graphId } }).thenThrows({ kind: 'not-found', message: `Graph with name ${graphId} not found` });
      spec.given([...running, { type: 'GraphRemoved', data: { graphId } }]).when({ type: 'StartGraph', data: { graphId, overbooked: [] } }).thenThrows({ kind: 'not-found' });
    });
  });

  describe('remove', () => {
    it('removes a graph; everything installed heads for uninstall', () => {
      spec.given(running).when({ type: 'RemoveGraph', data: { graphId } }).then([{ type: 'GraphRemoved', data: { graphId } }]);
      expect(statuses([...running, { type: 'GraphRemoved', data: { graphId } }])).toMatchObject({ 'noise-reduction': 'Uninstalling' });
    });
    const removed: GraphEvent = { type: 'GraphRemoved', data: { graphId } };
    const uninstalled = (serviceId: string): GraphEvent => ({ type: 'ServiceUninstalled', data: { graphId, serviceId, namespace: 'demo', command: [] } });
    const uninstallFailed: GraphEvent = {
      type: 'ServiceUninstallFailed',
      data: { graphId, serviceId: 'noise-reduction', namespace: 'demo', exitCode: 1, stderr: 'Error: Kubernetes cluster unreachable', timedOut: false, command: [] },
    };
    it('refuses to remove twice once every release is gone', () =>
      spec.given([...running, removed, uninstalled('noise-reduction'), uninstalled('image-detection')]).when({ type: 'RemoveGraph', data: { graphId } }).thenThrows({ kind: 'not-found' }));
    it('removing again while releases are left (an uninstall failed) asks for their uninstall again; so does retry', () => {
      const stuck = [...running, removed, uninstalled('image-detection'), uninstallFailed];
      expect(statuses(stuck)).toMatchObject({ 'noise-reduction': 'Failed' });
      const again: GraphEvent = { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction'] } };
      spec.given(stuck).when({ type: 'RemoveGraph', data: { graphId } }).then([again]);
      spec.given(stuck).when({ type: 'RetryDeployment', data: { graphId } }).then([again]);
      expect(statuses([...stuck, again])).toMatchObject({ 'noise-reduction': 'Uninstalling' });
      // Neither the graph id nor the names are free meanwhile; the refusal says what to do.
      spec.given(stuck).when({ type: 'SubmitGraph', data: submitted.data }).thenThrows({ kind: 'conflict', message: expect.stringContaining('an uninstall failed') as unknown });
      spec.given([...stuck, again, uninstalled('noise-reduction')]).when({ type: 'RetryDeployment', data: { graphId } }).thenThrows({ kind: 'not-found' });
    });
    it('records an uninstall that keeps failing once, not once per attempt; again once a retry was asked', () => {
      const stuck = [...running, removed, uninstalled('image-detection'), uninstallFailed];
      const record = { type: 'RecordServiceOutcome', event: uninstallFailed } as const;
      spec.given([...running, removed]).when(record).then([uninstallFailed]);
      spec.given(stuck).when(record).then([]);
      const again: GraphEvent = { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction'] } };
      spec.given([...stuck, again]).when(record).then([uninstallFailed]);
    });
  });

  describe('cluster provisioning proposals', () => {
    const failure: GraphEvent = {
      type: 'PlacementFailed',
      data: { graphId, decisionId: 'p0', reason: 'first-deploy', algorithm: 'naive', detail: 'no fit', bindingResource: 'cpu', serviceId: null, inputs: { clusters: [], services: [], previousPlacement: null } },
    };
    const proposed: GraphEvent = {
      type: 'ClusterProvisioningProposed',
      data: {
        graphId,
        proposalId: 'k1',
        basisDecisionId: 'p0',
        gap: { cpu: 1.5 },
        popArea: 0,
        vimName: 'os-brussels',
        workerReplicas: 1,
        workerFlavor: { cpu: 4, memoryBytes: 8 * 2 ** 30 },
        why: 'no fit',
        expiresAt: '2030-01-01T00:00:00.000Z',
      },
    };
    const now = '2029-01-01T00:00:00.000Z';

    it('records a proposal once: no second one while it is pending, or approved and the graph still unplaced', () => {
      const data = proposed.type === 'ClusterProvisioningProposed' ? proposed.data : undefined;
      spec.given([submitted, failure]).when({ type: 'ProposeClusterProvisioning', data: data! }).then([proposed]);
      spec.given([submitted, failure, proposed]).when({ type: 'ProposeClusterProvisioning', data: { ...data!, proposalId: 'k2' } }).then([]);
      const approved: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } };
      spec.given([submitted, failure, proposed, approved, failure]).when({ type: 'ProposeClusterProvisioning', data: { ...data!, proposalId: 'k2' } }).then([]);
      // Once the graph was placed, a later failure may propose again.
      spec.given([submitted, failure, proposed, approved, onC1, failure]).when({ type: 'ProposeClusterProvisioning', data: { ...data!, proposalId: 'k2' } }).then([{ ...proposed, data: { ...data!, proposalId: 'k2' } }]);
    });

    it('approves a pending proposal with the cluster asked of NFVCL; refuses unknown, repeated and expired approvals', () => {
      spec
        .given([submitted, failure, proposed])
        .when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde', now } })
        .then([{ type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } }]);
      const approved: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } };
      expect(fold([submitted, failure, proposed, approved]).provisioningProposals).toMatchObject([{ proposalId: 'k1', status: 'approved', smoId: 'OS_K8S_0_abcde', workerReplicas: 1 }]);
      spec.given([submitted, failure, proposed]).when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'nope', smoId: 'x', now } }).thenThrows({ kind: 'not-found' });
      spec.given([submitted, failure, proposed, approved]).when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'k1', smoId: 'x', now } }).thenThrows({ kind: 'conflict' });
      spec.given([submitted, failure, proposed]).when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'k1', smoId: 'x', now: '2031-01-01T00:00:00.000Z' } }).thenThrows({ kind: 'conflict' });
    });

    it("an approval NFVCL did not build makes the proposal pending again; another attempt's failure changes nothing", () => {
      const approved: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } };
      const failed = { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde', detail: 'no capacity' };
      spec.given([submitted, failure, proposed, approved]).when({ type: 'RecordClusterApprovalFailure', data: failed }).then([{ type: 'ClusterProvisioningApprovalFailed', data: failed }]);
      spec.given([submitted, failure, proposed, approved]).when({ type: 'RecordClusterApprovalFailure', data: { ...failed, smoId: 'OS_K8S_0_other' } }).then([]);
      spec.given([submitted, failure, proposed]).when({ type: 'RecordClusterApprovalFailure', data: failed }).then([]);
      const undone: GraphEvent = { type: 'ClusterProvisioningApprovalFailed', data: failed };
      expect(fold([submitted, failure, proposed, approved, undone]).provisioningProposals).toMatchObject([{ proposalId: 'k1', status: 'pending', smoId: null, lastFailure: 'no capacity' }]);
      spec
        .given([submitted, failure, proposed, approved, undone])
        .when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_fghij', now } })
        .then([{ type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_fghij' } }]);
    });

    it('a failed approval whose cluster was built after all is approved again with it, while the proposal is pending', () => {
      const approved: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } };
      const undone: GraphEvent = { type: 'ClusterProvisioningApprovalFailed', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde', detail: 'not ready within 3600 s' } };
      const built = { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' };
      const restored: GraphEvent = { type: 'ClusterProvisioningApprovalRestored', data: built };
      spec.given([submitted, failure, proposed, approved, undone]).when({ type: 'RestoreClusterApproval', data: built }).then([restored]);
      expect(fold([submitted, failure, proposed, approved, undone, restored]).provisioningProposals).toMatchObject([{ proposalId: 'k1', status: 'approved', smoId: 'OS_K8S_0_abcde' }]);
      // Approved again meanwhile (another cluster asked for), restored already, or rejected: nothing changes.
      const again: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_fghij' } };
      spec.given([submitted, failure, proposed, approved, undone, again]).when({ type: 'RestoreClusterApproval', data: built }).then([]);
      spec.given([submitted, failure, proposed, approved, undone, restored]).when({ type: 'RestoreClusterApproval', data: built }).then([]);
      const rejected: GraphEvent = { type: 'ClusterProvisioningRejected', data: { graphId, proposalId: 'k1', reason: 'too costly' } };
      spec.given([submitted, failure, proposed, approved, undone, rejected]).when({ type: 'RestoreClusterApproval', data: built }).then([]);
    });

    it('rejects a pending proposal (an expired one too); refuses unknown, repeated and approved ones; then approval is refused', () => {
      const rejected: GraphEvent = { type: 'ClusterProvisioningRejected', data: { graphId, proposalId: 'k1', reason: 'too costly' } };
      spec.given([submitted, failure, proposed]).when({ type: 'RejectClusterProvisioning', data: { graphId, proposalId: 'k1', reason: 'too costly' } }).then([rejected]);
      expect(fold([submitted, failure, proposed, rejected]).provisioningProposals).toMatchObject([{ proposalId: 'k1', status: 'rejected', reason: 'too costly', smoId: null }]);
      spec.given([submitted, failure, proposed]).when({ type: 'RejectClusterProvisioning', data: { graphId, proposalId: 'nope', reason: 'x' } }).thenThrows({ kind: 'not-found' });
      spec.given([submitted, failure, proposed, rejected]).when({ type: 'RejectClusterProvisioning', data: { graphId, proposalId: 'k1', reason: 'x' } }).thenThrows({ kind: 'conflict' });
      spec.given([submitted, failure, proposed, rejected]).when({ type: 'ApproveClusterProvisioning', data: { graphId, proposalId: 'k1', smoId: 'x', now } }).thenThrows({ kind: 'conflict' });
      const approved: GraphEvent = { type: 'ClusterProvisioningApproved', data: { graphId, proposalId: 'k1', smoId: 'OS_K8S_0_abcde' } };
      spec.given([submitted, failure, proposed, approved]).when({ type: 'RejectClusterProvisioning', data: { graphId, proposalId: 'k1', reason: 'x' } }).thenThrows({ kind: 'conflict' });
      // A rejected proposal is closed: the next failure may propose again.
      const data = proposed.type === 'ClusterProvisioningProposed' ? proposed.data : undefined;
      spec.given([submitted, failure, proposed, rejected, failure]).when({ type: 'ProposeClusterProvisioning', data: { ...data!, proposalId: 'k2' } }).then([{ ...proposed, data: { ...data!, proposalId: 'k2' } }]);
    });

    it('keeps every open cluster proposal and only the latest closed ones, however often placement fails', () => {
      const data = proposed.type === 'ClusterProvisioningProposed' ? proposed.data : undefined;
      const history: GraphEvent[] = [submitted, failure];
      const closedCount = DECIDED_PROPOSALS_KEPT + 5;
      for (let i = 0; i < closedCount; i++) {
        history.push({ ...proposed, data: { ...data!, proposalId: `k${i}` } } as GraphEvent);
        history.push({ type: 'ClusterProvisioningRejected', data: { graphId, proposalId: `k${i}`, reason: 'no' } });
      }
      history.push({ ...proposed, data: { ...data!, proposalId: 'open' } } as GraphEvent);
      const kept = (fold(history).provisioningProposals ?? []).map((p) => `${p.proposalId}:${p.status}`);
      const latestClosed = Array.from({ length: DECIDED_PROPOSALS_KEPT }, (_, k) => `k${closedCount - DECIDED_PROPOSALS_KEPT + k}:rejected`);
      expect(kept).toEqual([...latestClosed, 'open:pending']);
    });

    it('an expired pending proposal no longer blocks a new one', () => {
      const data = proposed.type === 'ClusterProvisioningProposed' ? proposed.data : undefined;
      const second = { ...data!, proposalId: 'k2' };
      spec.given([submitted, failure, proposed, failure]).when({ type: 'ProposeClusterProvisioning', data: second, now }).then([]);
      spec.given([submitted, failure, proposed, failure]).when({ type: 'ProposeClusterProvisioning', data: second, now: '2031-01-01T00:00:00.000Z' }).then([{ ...proposed, data: second }]);
    });
  });

  describe('re-placement', () => {
    it('records a request with its reason', () => {
      const request: GraphEvent = { type: 'ReplacementRequested', data: { graphId, requestId: 'r1', reason: 'manual', detail: null } };
      spec.given(running).when({ type: 'RequestReplacement', data: request.data }).then([request]);
    });
    it('refuses re-placement of a statically placed graph', () => {
      const staticGraph = graphSubmitted('demo', 'brussels-demo.static-placement.hdag.yaml');
      spec.given([staticGraph]).when({ type: 'RequestReplacement', data: { graphId, requestId: 'r1', reason: 'manual', detail: null } }).thenThrows({ kind: 'conflict' });
    });
    it('a proposal that moves nothing is answered, not recorded as pending (issue 15 item 4)', () => {
      const { graphId: _, ...decision } = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c1', 'image-detection': 'c1' }, 'd2', 'manual').data;
      const proposal = { graphId, proposalId: 'r1', basisDecisionId: onC1.data.decisionId, why: 'proposal requested', expiresAt: '2030-01-01T00:00:00.000Z', decision };
      spec
        .given(running)
        .when({ type: 'RecordPlacementProposal', data: { ...proposal, diff: [] } })
        .then([{ type: 'PlacementUnchanged', data: { graphId, requestId: 'r1', why: 'nothing would move: the current placement is already the best one', decision } }]);
      const unchanged = [...running, { type: 'PlacementUnchanged', data: { graphId, requestId: 'r1', why: 'nothing would move', decision } } as GraphEvent];
      expect(fold(unchanged).proposals).toEqual([]);
      const diff = [{ serviceId: 'noise-reduction', from: 'c1', to: 'c2' }];
      spec.given(running).when({ type: 'RecordPlacementProposal', data: { ...proposal, diff } }).then([{ type: 'PlacementProposed', data: { ...proposal, diff } }]);
    });
    it('approves a proposal as computed only when nothing it would overbook was found; an expired one is refused for that first', () => {
      const { graphId: _, ...decision } = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' }, 'd2', 'manual').data;
      const proposed: GraphEvent = {
        type: 'PlacementProposed',
        data: { graphId, proposalId: 'r1', basisDecisionId: onC1.data.decisionId, diff: [{ serviceId: 'noise-reduction', from: 'c1', to: 'c2' }], why: 'w', expiresAt: '2030-01-01T00:00:00.000Z', decision },
      };
      const approve = (now: string, overbooked: Array<{ constraint: string; subject: string; detail: string }>) => ({ type: 'ApprovePlacementProposal' as const, data: { graphId, proposalId: 'r1', now, overbooked } });
      const shortfall = { constraint: 'cpu', subject: 'c2', detail: '5 > 3 cores' };
      spec
        .given([...running, proposed])
        .when(approve('2029-01-01T00:00:00.000Z', []))
        .then([
          { type: 'PlacementProposalApproved', data: { graphId, proposalId: 'r1' } },
          { type: 'PlacementDecided', data: { ...decision, graphId, decisionId: 'r1' } },
        ]);
      spec.given([...running, proposed]).when(approve('2029-01-01T00:00:00.000Z', [shortfall])).thenThrows({ kind: 'conflict', message: expect.stringContaining('Capacity changed since proposal r1 (c2)'), details: { violations: [shortfall] } });
      spec.given([...running, proposed]).when(approve('2031-01-01T00:00:00.000Z', [shortfall])).thenThrows({ kind: 'conflict', message: expect.stringContaining('expired') });
    });
    it('keeps every pending proposal and only the latest decided ones', () => {
      const { graphId: _, ...decision } = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' }, 'd2', 'manual').data;
      const proposed = (id: string): GraphEvent => ({
        type: 'PlacementProposed',
        data: { graphId, proposalId: id, basisDecisionId: onC1.data.decisionId, diff: [{ serviceId: 'noise-reduction', from: 'c1', to: 'c2' }], why: 'w', expiresAt: '2030-01-01T00:00:00.000Z', decision },
      });
      const decidedCount = DECIDED_PROPOSALS_KEPT + 5;
      const history: GraphEvent[] = [...running, proposed('early-pending')];
      for (let i = 0; i < decidedCount; i++) {
        history.push(proposed(`p${i}`));
        history.push(i % 2 === 0 ? { type: 'PlacementProposalApproved', data: { graphId, proposalId: `p${i}` } } as GraphEvent : { type: 'PlacementProposalRejected', data: { graphId, proposalId: `p${i}`, reason: 'no' } } as GraphEvent);
      }
      history.push(proposed('late-pending'));
      const kept = fold(history).proposals.map((p) => `${p.proposalId}:${p.status}`);
      const latestDecided = Array.from({ length: DECIDED_PROPOSALS_KEPT }, (_, k) => decidedCount - DECIDED_PROPOSALS_KEPT + k).map((i) => `p${i}:${i % 2 === 0 ? 'approved' : 'rejected'}`);
      expect(kept).toEqual(['early-pending:pending', ...latestDecided, 'late-pending:pending']);
    });
    it('a new placement sends moved or re-valued services back to Deploying until upgraded', () => {
      const moved = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' }, 'd2', 'manual');
      const after = [...running, moved];
      expect(statuses(after)).toEqual({ 'image-compression-vo': 'Pending', 'noise-reduction': 'Deploying', 'image-detection': 'Deploying' });
      // image-detection did not move, but its imports changed with its consumer's move (B11).
      expect(statuses([...after, deployed('noise-reduction', 'c2', 'd2'), deployed('image-detection', 'c1', 'd2')])).toMatchObject({
        'noise-reduction': 'Deployed',
        'image-detection': 'Deployed',
      });
    });
  });

  describe('retry', () => {
    const failed: GraphEvent = {
      type: 'ServiceDeploymentFailed',
      data: { graphId, serviceId: 'noise-reduction', action: 'install', cluster: 'c1', chart: 'oci://x', exitCode: 1, stderr: 'x', timedOut: false, command: [] },
    };
    it('retries the failed services', () => {
      spec.given([submitted, onC1, failed]).when({ type: 'RetryDeployment', data: { graphId } }).then([
        { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction'] } },
      ]);
      expect(statuses([submitted, onC1, failed, { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction'] } }])).toMatchObject({
        'noise-reduction': 'Deploying',
      });
    });
    it("deploys a failed service again once a new placement moves it: the failure was its old target's", () => {
      const movedOff = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' }, 'd2', 'cluster-lost');
      const graph = fold([submitted, onC1, pending, failed, deployed('image-detection'), movedOff]);
      expect(graph.services.find((s) => s.id === 'noise-reduction')).toMatchObject({ status: 'Deploying', failure: null, target: { cluster: 'c2' } });
      expect(isSettled(graph)).toBe(false);
    });
    it("keeps a failure while a new placement leaves the service's target as it was (no retry loop)", () => {
      const othersMoved = placed({ 'image-compression-vo': 'c2', 'noise-reduction': 'c1', 'image-detection': 'c1' }, 'd1', 'manual');
      const graph = fold([submitted, onC1, pending, failed, deployed('image-detection'), othersMoved]);
      expect(graph.services.find((s) => s.id === 'noise-reduction')).toMatchObject({ status: 'Failed', failure: { exitCode: 1 } });
    });
    it('refuses when nothing failed', () => spec.given(running).when({ type: 'RetryDeployment', data: { graphId } }).thenThrows({ kind: 'conflict' }));
    it('asks helm again for services still on their way (their step parked while the cluster could not be reached), and not once they are deployed', () => {
      // Placed, nothing installed yet: both auto services are Deploying.
      expect(statuses([submitted, onC1])).toMatchObject({ 'noise-reduction': 'Deploying', 'image-detection': 'Deploying' });
      spec.given([submitted, onC1]).when({ type: 'RetryDeployment', data: { graphId } }).then([
        { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction', 'image-detection'] } },
      ]);
      spec.given([submitted, onC1]).when({ type: 'RetryDeployment', data: { graphId, serviceIds: ['image-detection'] } }).then([
        { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['image-detection'] } },
      ]);
      // The service waiting for its alert is not on its way: naming it is refused.
      spec.given([submitted, onC1]).when({ type: 'RetryDeployment', data: { graphId, serviceIds: ['image-compression-vo'] } }).thenThrows({ kind: 'conflict' });
      spec.given(running).when({ type: 'RetryDeployment', data: { graphId, serviceIds: ['image-detection'] } }).thenThrows({ kind: 'conflict' });
    });
    it('places again a graph a failed re-placement left where it was (a cluster lost, no room elsewhere), and no longer once a placement succeeded', () => {
      const replacementFailed: GraphEvent = {
        type: 'PlacementFailed',
        data: { graphId, decisionId: 'p1', reason: 'cluster-lost', algorithm: 'milp', detail: 'No cluster is available', bindingResource: null, serviceId: null, inputs: { clusters: [], services: [], previousPlacement: null } },
      };
      spec.given([...running, replacementFailed]).when({ type: 'RetryDeployment', data: { graphId, requestId: 'r1' } }).then([
        { type: 'ReplacementRequested', data: { graphId, requestId: 'r1', reason: 'retry', detail: 'retry requested: its latest re-placement failed' } },
      ]);
      const placedAgain = placed({ 'image-compression-vo': 'c2', 'noise-reduction': 'c2', 'image-detection': 'c2' }, 'r1', 'retry');
      // Placed again: the retry no longer places it, it only asks helm again for the services still on their way…
      spec.given([...running, replacementFailed, placedAgain]).when({ type: 'RetryDeployment', data: { graphId, requestId: 'r2' } }).then([
        { type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction', 'image-detection'] } },
      ]);
      // …and once they are deployed there, there is nothing to retry.
      const settled = [...running, replacementFailed, placedAgain, deployed('noise-reduction', 'c2', 'r1'), deployed('image-detection', 'c2', 'r1')];
      spec.given(settled).when({ type: 'RetryDeployment', data: { graphId, requestId: 'r2' } }).thenThrows({ kind: 'conflict' });
    });
    it('retries the dashboards Grafana refused when no service failed, and refuses again once one is published', () => {
      const refused: GraphEvent = { type: 'DashboardFailed', data: { graphId, serviceId: null, uid: null, action: 'publish', status: null, error: 'connection reset' } };
      spec.given([...running, refused]).when({ type: 'RetryDeployment', data: { graphId } }).then([{ type: 'DeploymentRetryRequested', data: { graphId, serviceIds: [] } }]);
      const published: GraphEvent = { type: 'DashboardPublished', data: { graphId, serviceId: null, uid: 'g', url: 'http://grafana/d/g' } };
      spec.given([...running, refused, published]).when({ type: 'RetryDeployment', data: { graphId } }).thenThrows({ kind: 'conflict' });
    });
    it('asks helm again about a stopped graph’s release whose install was never recorded (a history from before SMO checked those)', () => {
      // Stopped after noise-reduction's install failed and before image-detection's was recorded: either may have left
      // a release, so both show Uninstalling until helm is asked.
      const stopped = [submitted, onC1, failed, { type: 'GraphStopped', data: { graphId } } as GraphEvent];
      expect(statuses(stopped)).toMatchObject({ 'noise-reduction': 'Uninstalling', 'image-detection': 'Uninstalling' });
      expect(isSettled(fold(stopped))).toBe(false);
      spec.given(stopped).when({ type: 'RetryDeployment', data: { graphId } }).then([{ type: 'DeploymentRetryRequested', data: { graphId, serviceIds: ['noise-reduction', 'image-detection'] } }]);
      // Once the deployment processor recorded that helm has nothing, the graph settles and there is nothing to retry.
      const absent = (serviceId: string) => ({ type: 'ServiceUninstalled', data: { graphId, serviceId, namespace: 'demo', command: [] } }) as GraphEvent;
      const checked = [...stopped, absent('noise-reduction'), absent('image-detection')];
      expect(isSettled(fold(checked))).toBe(true);
      spec.given(checked).when({ type: 'RetryDeployment', data: { graphId } }).thenThrows({ kind: 'conflict' });
    });
    it('tells how to ask again when a resubmission waits for a removal whose releases are unchecked', () => {
      const removed = [submitted, onC1, failed, { type: 'GraphRemoved', data: { graphId } } as GraphEvent];
      spec.given(removed).when({ type: 'SubmitGraph', data: submitted.data }).thenThrows({ kind: 'conflict', message: expect.stringContaining(`DELETE /graphs/${graphId}`) });
    });
  });

  describe('high-frequency scaling facts, recorded once per change', () => {
    const failed = (to: number): Extract<GraphEvent, { type: 'ServiceScalingFailed' }> => ({
      type: 'ServiceScalingFailed',
      data: { graphId, serviceId: 'noise-reduction', cluster: 'c1', from: 1, to, error: 'Karmada answered 500' },
    });
    const scaled: Extract<GraphEvent, { type: 'ServiceScaled' }> = {
      type: 'ServiceScaled',
      data: { graphId, serviceId: 'noise-reduction', cluster: 'c1', from: 1, to: 3, requestRate: 1, solver: 'highs', objective: 1 },
    };
    const infeasible = (cpu: number, services = ['noise-reduction', 'image-detection']): Extract<GraphEvent, { type: 'ScalingInfeasible' }> => ({
      type: 'ScalingInfeasible',
      data: { graphId, cluster: 'c1', services, reason: `Serving the current rates needs ${cpu} cores but the cluster has 2.`, bindingResource: 'cpu', requestRates: { 'noise-reduction': cpu } },
    });

    it('records a failing scale change once per outage, whatever the targets tried meanwhile; again once a scaling succeeded', () => {
      spec.given(running).when({ type: 'RecordScaling', event: failed(3) }).then([failed(3)]);
      spec.given([...running, failed(3)]).when({ type: 'RecordScaling', event: failed(3) }).then([]);
      // Demand swinging while Karmada is down: each round asks another target, and it was one event per round.
      spec.given([...running, failed(3)]).when({ type: 'RecordScaling', event: failed(4) }).then([]);
      spec.given([...running, failed(3)]).when({ type: 'RecordScaling', event: failed(2) }).then([]);
      spec.given([...running, failed(3), scaled]).when({ type: 'RecordScaling', event: failed(3) }).then([failed(3)]);
    });

    const requestId = 'scaling-round-1';
    const record = (event: ReturnType<typeof infeasible>) => ({ type: 'RecordScalingInfeasible' as const, data: event.data, requestId });
    const asked = (event: ReturnType<typeof infeasible>): GraphEvent => ({ type: 'ReplacementRequested', data: { graphId, requestId, reason: 'scaling-infeasible', detail: event.data.reason } });

    it('records an infeasible cluster once per cause, with its re-placement request in the same append', () => {
      spec.given(running).when(record(infeasible(5))).then([infeasible(5), asked(infeasible(5))]);
      spec.given([...running, infeasible(5)]).when(record(infeasible(6, ['image-detection', 'noise-reduction']))).then([]);
      spec.given([...running, infeasible(5)]).when(record(infeasible(5, ['noise-reduction']))).then([infeasible(5, ['noise-reduction']), asked(infeasible(5, ['noise-reduction']))]);
      spec.given([...running, infeasible(5), scaled]).when(record(infeasible(5))).then([infeasible(5), asked(infeasible(5))]);
      spec.given([...running, { type: 'GraphRemoved', data: { graphId } }]).when(record(infeasible(5))).then([]);
    });

    it('records demand beyond a service’s maximum replicas (it runs its maximum) once, and asks no re-placement: no cluster allows more', () => {
      const saturated: GraphEvent = {
        type: 'ScalingInfeasible',
        data: { graphId, cluster: 'c1', services: ['noise-reduction'], reason: 'At their maximum replicas…', bindingResource: 'maxReplicas', requestRates: { 'noise-reduction': 900 } },
      };
      spec.given([...running, scaled]).when({ type: 'RecordScalingInfeasible', data: saturated.data, requestId }).then([saturated]);
      spec.given([...running, scaled, saturated]).when({ type: 'RecordScalingInfeasible', data: { ...saturated.data, requestRates: { 'noise-reduction': 950 } }, requestId }).then([]);
    });

    it('keeps an infeasible cluster recorded across a placement that leaves its services where they were', () => {
      // The re-placement moved nothing: the same demand meets the same cluster, and a round finding it again records nothing.
      spec.given([...running, infeasible(5), asked(infeasible(5)), placed(onC1.data.placement, 'd1', 'scaling-infeasible')]).when(record(infeasible(5))).then([]);
      // It moved noise-reduction away: what runs on c1 changed, so the cause is new.
      const moved = placed({ 'image-compression-vo': 'c1', 'noise-reduction': 'c2', 'image-detection': 'c1' }, 'd2', 'scaling-infeasible');
      spec.given([...running, infeasible(5), moved]).when(record(infeasible(5, ['image-detection']))).then([infeasible(5, ['image-detection']), asked(infeasible(5, ['image-detection']))]);
      // A service uninstalled from it (a stop) changed it too.
      const uninstalled: GraphEvent = { type: 'ServiceUninstalled', data: { graphId, serviceId: 'noise-reduction', namespace: 'demo', command: [] } };
      spec.given([...running, infeasible(5), uninstalled]).when(record(infeasible(5))).then([infeasible(5), asked(infeasible(5))]);
    });

    it('records no scaling fact for a graph stopped or removed since the round read it, nor for a service not installed', () => {
      const stopped: GraphEvent = { type: 'GraphStopped', data: { graphId } };
      spec.given([...running, stopped]).when({ type: 'RecordScaling', event: scaled }).then([]);
      spec.given([...running, stopped]).when(record(infeasible(5))).then([]);
      spec.given([...running, { type: 'GraphRemoved', data: { graphId } }]).when({ type: 'RecordScaling', event: failed(3) }).then([]);
      spec.given([...running, { type: 'ServiceUninstalled', data: { graphId, serviceId: 'noise-reduction', namespace: 'demo', command: [] } }]).when({ type: 'RecordScaling', event: scaled }).then([]);
      spec.given([...running, stopped, { type: 'GraphStarted', data: { graphId, overbooked: [] } }, deployed('noise-reduction')]).when({ type: 'RecordScaling', event: scaled }).then([scaled]);
    });

    it('forgets the replicas the scaler set when the release is installed afresh or uninstalled', () => {
      const replicas = (events: GraphEvent[]) => fold(events).services.find((s) => s.id === 'noise-reduction')?.replicas;
      expect(replicas([...running, scaled])).toBe(3);
      expect(replicas([...running, scaled, { type: 'ServiceUninstalled', data: { graphId, serviceId: 'noise-reduction', namespace: 'demo', command: [] } }])).toBeNull();
      expect(replicas([...running, scaled, deployed('noise-reduction')])).toBeNull();
      const upgraded: GraphEvent = { type: 'ServiceDeployed', data: { graphId, serviceId: 'noise-reduction', action: 'upgrade', cluster: 'c2', namespace: 'demo', chart: 'oci://x', values: {}, valuesDigest: 'd2-c2', command: [] } };
      expect(replicas([...running, scaled, upgraded])).toBe(3);
    });
  });
  describe('event-triggered services (Alertmanager alerts)', () => {
    const VO = 'image-compression-vo';
    let alerts = 0;
    /** An alert of the VO's event, as the conditional deployment processor dispatches it. */
    const FIRST_START = '2026-01-01T00:00:00Z';
    const alert = (
      eventId: string | null,
      status: 'firing' | 'resolved' = 'firing',
      fingerprint: string | null = `fp-${eventId}`,
      startsAt: string | null = FIRST_START,
    ): GraphCommand => ({
      type: 'TriggerService',
      data: { graphId, serviceId: VO, alertName: `smo_${eventId}`, eventId, alertEventId: `alert-${++alerts}`, status, fingerprint, startsAt },
    });
    const triggered = (command: GraphCommand): GraphEvent => {
      const { status: _status, fingerprint: _fingerprint, startsAt: _startsAt, ...data } = (command as Extract<GraphCommand, { type: 'TriggerService' }>).data;
      return { type: 'ServiceTriggered', data };
    };
    const fact = (type: 'ServiceEventFiring' | 'ServiceEventResolved', command: GraphCommand): GraphEvent => {
      const { graphId: g, serviceId, alertName, eventId, alertEventId, fingerprint, startsAt } = (command as Extract<GraphCommand, { type: 'TriggerService' }>).data;
      return { type, data: { graphId: g, serviceId, eventId: eventId!, alertName, fingerprint, startsAt, alertEventId } };
    };
    /** The fixture graph with the VO waiting for `condition` over events `a` and `b`. */
    const withCondition = (condition: string): GraphSubmitted => {
      const normalised = structuredClone(submitted.data.normalised);
      const vo = normalised.services.find((service) => service.id === VO)!;
      if (vo.trigger.kind !== 'event') throw new Error('the fixture VO is event-triggered');
      const [event] = vo.trigger.events;
      vo.trigger = { kind: 'event', condition, events: [{ ...event!, id: 'a' }, { ...event!, id: 'b' }] };
      return { ...submitted, data: { ...submitted.data, normalised } };
    };
    const waiting = (condition: string) => [withCondition(condition), onC1, pending, deployed('noise-reduction'), deployed('image-detection')];
    it('a service triggered on a graph never placed (its first placement failed) is Not deployed: nothing deploys it until placed', () => {
      const failure: GraphEvent = {
        type: 'PlacementFailed',
        data: { graphId, decisionId: 'p0', reason: 'first-deploy', algorithm: 'naive', detail: 'no fit', bindingResource: 'cpu', serviceId: null, inputs: { clusters: [], services: [], previousPlacement: null } },
      };
      const graph = fold([submitted, failure, triggered(alert('x'))]);
      expect({ vo: graph.services.find((s) => s.id === VO)?.status, triggered: graph.services.find((s) => s.id === VO)?.triggered, settled: isSettled(graph) }).toEqual({
        vo: 'Not deployed',
        triggered: true,
        settled: true,
      });
    });
    /** Folds each command's decided events in turn; returns them all. */
    const run = (given: GraphEvent[], commands: GraphCommand[]): GraphEvent[] => {
      const history = [...given];
      for (const command of commands) history.push(...graphDecider.decide(command, fold(history)));
      return history.slice(given.length);
    };

    describe('condition ANY (or absent): the first alert that fires deploys the service, once', () => {
      it('triggers on the first firing alert of any event, and records nothing for a repeat or a resolution', () => {
        const first = alert('b');
        spec.given(waiting('ANY')).when(first).then([triggered(first)]);
        const after = [...waiting('ANY'), triggered(first)];
        spec.given(after).when(alert('a')).then([]);
        spec.given(after).when(alert('b', 'resolved')).then([]);
        expect(statuses(after)[VO]).toBe('Deploying');
      });
      it('an alert firing while the graph is stopped triggers the service, which deploys once the graph is started', () => {
        const stopped: GraphEvent[] = [...waiting('ANY'), { type: 'GraphStopped', data: { graphId } }];
        const first = alert('a');
        spec.given(stopped).when(first).then([triggered(first)]);
        expect(statuses([...stopped, triggered(first)])[VO]).toBe('Not deployed');
        expect(statuses([...stopped, triggered(first), { type: 'GraphStarted', data: { graphId, overbooked: [] } }])[VO]).toBe('Deploying');
        spec.given([...waiting('ANY'), { type: 'GraphRemoved', data: { graphId } }]).when(alert('a')).then([]);
      });
      it('records nothing for a resolution before any firing, nor for an event the service does not have', () => {
        spec.given(waiting('ANY')).when(alert('a', 'resolved')).then([]);
        spec.given(waiting('ANY')).when(alert('c')).then([]);
      });
      it('an alert naming no event (neither an `event` label nor an alertname) triggers nothing', () => {
        spec.given(waiting('ANY')).when(alert(null)).then([]);
        spec.given(waiting('ALL')).when(alert(null)).then([]);
      });
      it('another condition value is taken as ANY, and so is ALL over a single event', () => {
        const first = alert('a');
        spec.given(waiting('EVERY')).when(first).then([triggered(first)]);
        const single = structuredClone(submitted);
        const vo = single.data.normalised.services.find((service) => service.id === VO)!;
        if (vo.trigger.kind === 'event') vo.trigger.condition = 'ALL';
        const main = alert('main-event');
        spec.given([single, onC1, pending]).when(main).then([triggered(main)]);
      });
    });

    describe('condition ALL: deploys once every event is firing at the same time', () => {
      it('records the first event firing without deploying; the second one firing deploys it, in the same append', () => {
        const a = alert('a');
        spec.given(waiting('ALL')).when(a).then([fact('ServiceEventFiring', a)]);
        const afterA = [...waiting('ALL'), fact('ServiceEventFiring', a)];
        expect(statuses(afterA)[VO]).toBe('Pending');
        expect(fold(afterA).services.find((s) => s.id === VO)?.firingEvents).toEqual({ a: ['fp-a'] });
        const b = alert('b');
        spec.given(afterA).when(b).then([fact('ServiceEventFiring', b), triggered(b)]);
        const afterB = [...afterA, fact('ServiceEventFiring', b), triggered(b)];
        expect(statuses(afterB)[VO]).toBe('Deploying');
        // Triggered, it no longer follows its alerts.
        expect(fold(afterB).services.find((s) => s.id === VO)?.firingEvents).toBeUndefined();
      });

      it('a resolution un-fires its event: resolved before the second fires, nothing deploys', () => {
        const decided = run(waiting('ALL'), [alert('a'), alert('a', 'resolved'), alert('b')]);
        expect(decided.map((e) => [e.type, (e.data as { eventId?: string }).eventId])).toEqual([
          ['ServiceEventFiring', 'a'],
          ['ServiceEventResolved', 'a'],
          ['ServiceEventFiring', 'b'],
        ]);
        const state = fold([...waiting('ALL'), ...decided]);
        expect(state.services.find((s) => s.id === VO)).toMatchObject({ status: 'Pending', triggered: false, firingEvents: { b: ['fp-b'] } });
        // `a` firing again (a new firing of the series: another startsAt) completes the set.
        expect(run([...waiting('ALL'), ...decided], [alert('a', 'firing', 'fp-a', '2026-01-01T01:00:00Z')]).map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceTriggered']);
      });

      it('records a repeated firing once, and a repeated resolution once', () => {
        const decided = run(waiting('ALL'), [alert('a'), alert('a'), alert('a'), alert('a', 'resolved'), alert('a', 'resolved'), alert('a', 'firing')]);
        expect(decided.map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceEventResolved']);
      });

      it('a firing delivered after its own resolution (Alertmanager retrying a failed notification) counts for nothing', () => {
        // The resolution of an alert not recorded as firing is recorded, so that its firing, arriving late, is known resolved.
        const decided = run(waiting('ALL'), [alert('a', 'resolved'), alert('a'), alert('b')]);
        expect(decided.map((e) => [e.type, (e.data as { eventId?: string }).eventId])).toEqual([
          ['ServiceEventResolved', 'a'],
          ['ServiceEventFiring', 'b'],
        ]);
        const state = fold([...waiting('ALL'), ...decided]);
        expect(state.services.find((s) => s.id === VO)).toMatchObject({ status: 'Pending', triggered: false, firingEvents: { b: ['fp-b'] } });
        // The same series firing anew (another startsAt) counts, and completes the set.
        expect(run([...waiting('ALL'), ...decided], [alert('a', 'firing', 'fp-a', '2026-01-01T01:00:00Z')]).map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceTriggered']);
      });

      it('a resolution without a startsAt is recorded only for an alert recorded firing (it could not be told from the next firing)', () => {
        spec.given(waiting('ALL')).when(alert('a', 'resolved', 'fp-a', null)).then([]);
        const decided = run(waiting('ALL'), [alert('a', 'firing', 'fp-a', null), alert('a', 'resolved', 'fp-a', null), alert('a', 'firing', 'fp-a', null)]);
        expect(decided.map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceEventResolved', 'ServiceEventFiring']);
      });

      it(`keeps the latest ${MAX_FIRING_ALERTS_PER_EVENT} resolved alerts per event, and forgets them once triggered`, () => {
        const resolutions = Array.from({ length: MAX_FIRING_ALERTS_PER_EVENT + 20 }, (_, i) => alert('a', 'resolved', `series-${i}`));
        const decided = run(waiting('ALL'), resolutions);
        expect(decided).toHaveLength(MAX_FIRING_ALERTS_PER_EVENT + 20);
        const vo = fold([...waiting('ALL'), ...decided]).services.find((s) => s.id === VO)!;
        expect(vo.resolvedAlerts?.a).toHaveLength(MAX_FIRING_ALERTS_PER_EVENT);
        expect(vo.resolvedAlerts?.a?.[0]).toBe(JSON.stringify(['series-20', FIRST_START]));
        const all = [...waiting('ALL'), ...decided, ...run([...waiting('ALL'), ...decided], [alert('a'), alert('b')])];
        const triggeredVo = fold(all).services.find((s) => s.id === VO)!;
        expect([triggeredVo.triggered, 'resolvedAlerts' in triggeredVo, 'firingEvents' in triggeredVo]).toEqual([true, false, false]);
      });

      it('an event fires while any of its alerts does (its query fires one per series)', () => {
        const decided = run(waiting('ALL'), [alert('a', 'firing', 's1'), alert('a', 'firing', 's2'), alert('a', 'resolved', 's1'), alert('b')]);
        expect(decided.map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceEventFiring', 'ServiceEventResolved', 'ServiceEventFiring', 'ServiceTriggered']);
      });

      it(`keeps at most ${MAX_FIRING_ALERTS_PER_EVENT} firing alerts per event: a flood of series records no more`, () => {
        const flood = Array.from({ length: MAX_FIRING_ALERTS_PER_EVENT + 50 }, (_, i) => alert('a', 'firing', `series-${i}`));
        const decided = run(waiting('ALL'), flood);
        expect(decided).toHaveLength(MAX_FIRING_ALERTS_PER_EVENT);
        expect(fold([...waiting('ALL'), ...decided]).services.find((s) => s.id === VO)?.firingEvents?.a).toHaveLength(MAX_FIRING_ALERTS_PER_EVENT);
      });

      it('once deployed, a resolution changes nothing (upstream never undeploys on one), nor does a later firing', () => {
        const deployedVo = [...waiting('ALL'), ...run(waiting('ALL'), [alert('a'), alert('b')]), deployed(VO)];
        expect(statuses(deployedVo)[VO]).toBe('Deployed');
        expect(run(deployedVo, [alert('a', 'resolved'), alert('b', 'resolved'), alert('a')])).toEqual([]);
      });

      it('an alert naming no event counts for none; a graph that does not exist or was removed records nothing', () => {
        spec.given(waiting('ALL')).when(alert(null)).then([]);
        spec.given([]).when(alert('a')).then([]);
        spec.given([...waiting('ALL'), { type: 'GraphRemoved', data: { graphId } }]).when(alert('a')).then([]);
      });

      it('a stopped graph records its alerts, and the one completing the set triggers the service: it deploys nothing until the graph is started', () => {
        // Alertmanager repeats the alerts unchanged after the start, and the repeats are not recorded again: they must have counted already.
        const stopped: GraphEvent[] = [...waiting('ALL'), { type: 'GraphStopped', data: { graphId } }];
        const decided = run(stopped, [alert('a'), alert('b')]);
        expect(decided.map((e) => e.type)).toEqual(['ServiceEventFiring', 'ServiceEventFiring', 'ServiceTriggered']);
        expect(statuses([...stopped, ...decided])[VO]).toBe('Not deployed');
        expect(statuses([...stopped, ...decided, { type: 'GraphStarted', data: { graphId, overbooked: [] } }])[VO]).toBe('Deploying');
      });
    });
  });
});
