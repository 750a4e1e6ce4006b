import { DomainError, type Decider } from '../decider';
import type { GraphCommand } from './commands';
import { isGraphEvent, type GraphEvent } from './events';
import { GRAPH_EVOLVE_VERSION, evolveGraph } from './evolve';
import {
  MAX_FIRING_ALERTS_PER_EVENT,
  awaitsFirstPlacement,
  awaitsPlacementRetry,
  firingAlertKey,
  holdsRelease,
  initialGraphState,
  isWanted,
  resolvedAlertKey,
  startChecksPlacement,
  triggerableByAlert,
  waitsForEveryEvent,
  type ExistingGraph,
  type GraphState,
  type ServiceState,
} from './state';

/** The graph's business rules. Pure: every fact it needs is in the command or the state. */
export function decideGraph(command: GraphCommand, state: GraphState): GraphEvent[] {
  switch (command.type) {
    case 'SubmitGraph':
      if (state.kind === 'exists' && !state.removed) {
        // Graph names are unique across projects: one taken in another project is said to be there (upstream's words first).
        const elsewhere = state.project === command.data.project ? '' : ` in project ${state.project} (graph names are unique across projects)`;
        throw new DomainError('conflict', `Graph with name ${command.data.graphId} already exists${elsewhere}`);
      }
      if (state.kind === 'exists' && state.services.some(holdsRelease)) {
        const stuck = state.services.some((service) => holdsRelease(service) && service.failure?.action === 'uninstall');
        throw new DomainError(
          'conflict',
          stuck
            ? `Graph with name ${command.data.graphId} is still being removed: an uninstall failed; DELETE /graphs/${command.data.graphId} (or POST its /retry) tries again`
            : `Graph with name ${command.data.graphId} is still being removed; try again shortly, or DELETE /graphs/${command.data.graphId} (or POST its /retry) to ask helm again whether its releases are gone`,
        );
      }
      return [{ type: 'GraphSubmitted', data: command.data }];
    case 'StopGraph': {
      const graph = existing(state, command.data.graphId);
      if (graph.status === 'Stopped') throw new DomainError('conflict', `Graph with name ${graph.graphId} is already stopped`);
      return [{ type: 'GraphStopped', data: { graphId: graph.graphId } }];
    }
    case 'StartGraph': {
      const graph = existing(state, command.data.graphId);
      if (graph.status === 'Running') {
        const hint = awaitsFirstPlacement(graph) ? `; its placement failed, and POST /graphs/${graph.graphId}/retry places it again` : '';
        throw new DomainError('conflict', `Graph with name ${graph.graphId} is already running${hint}`);
      }
      const overbooked = startChecksPlacement(graph) ? command.data.overbooked : [];
      return [{ type: 'GraphStarted', data: { graphId: graph.graphId, overbooked } }];
    }
    case 'RemoveGraph': {
      // Removed already, with releases left (an uninstall failed): removing again retries their uninstall.
      if (state.kind === 'exists' && state.removed) return retryRemoval(state);
      const graph = existing(state, command.data.graphId);
      return [{ type: 'GraphRemoved', data: { graphId: graph.graphId } }];
    }
    case 'RequestReplacement': {
      const graph = existing(state, command.data.graphId);
      if (graph.normalised.useStaticPlacement) {
        throw new DomainError('conflict', `Graph with name ${graph.graphId} uses static placement; SMO does not place its services`);
      }
      return [{ type: 'ReplacementRequested', data: command.data }];
    }
    case 'RetryDeployment': {
      if (state.kind === 'exists' && state.removed && command.data.serviceIds === undefined) return retryRemoval(state);
      const graph = existing(state, command.data.graphId);
      const failed = graph.services.filter((service) => service.status === 'Failed').map((service) => service.id);
      const serviceIds = command.data.serviceIds ?? failed;
      const unknown = serviceIds.filter((id) => !graph.services.some((service) => service.id === id));
      if (unknown.length > 0) throw new DomainError('not-found', `Graph ${graph.graphId} has no service ${unknown.join(', ')}`);
      // No failed service but a dashboard Grafana refused: the retry publishes (or deletes) the dashboards again.
      if (serviceIds.length === 0 && command.data.serviceIds === undefined && graph.dashboardFailure) {
        return [{ type: 'DeploymentRetryRequested', data: { graphId: graph.graphId, serviceIds: [] } }];
      }
      // No failed service but releases a stop left (an uninstall that kept failing until its event was parked, or an
      // install whose outcome was never recorded, in a history from before SMO checked those): helm is asked again.
      const left = graph.services.filter((service) => holdsRelease(service) && !isWanted(graph, service)).map((service) => service.id);
      if (serviceIds.length === 0 && command.data.serviceIds === undefined && left.length > 0) {
        return [{ type: 'DeploymentRetryRequested', data: { graphId: graph.graphId, serviceIds: left } }];
      }
      // Its placement failed: nothing installed yet (the clusters had no room), or a re-placement that failed left it where
      // it was (a cluster lost, with no room elsewhere then): the retry places it again.
      if (serviceIds.length === 0 && command.data.serviceIds === undefined && command.data.requestId !== undefined && awaitsPlacementRetry(graph)) {
        const detail = graph.placement === null ? 'retry requested: the graph was never placed' : 'retry requested: its latest re-placement failed';
        return [{ type: 'ReplacementRequested', data: { graphId: graph.graphId, requestId: command.data.requestId, reason: 'retry', detail } }];
      }
      // No failed service but some still on their way (their deployment step gave up while helm could not reach the
      // cluster, e.g. a Karmada outage, and waits parked): helm is asked again. Harmless if the step is in fact under
      // way: the deployment converges, so a second pass does what the first left, if anything.
      const underWay = graph.services.filter((service) => service.status === 'Deploying' && service.target !== null && isWanted(graph, service)).map((service) => service.id);
      if (serviceIds.length === 0 && command.data.serviceIds === undefined && underWay.length > 0) {
        return [{ type: 'DeploymentRetryRequested', data: { graphId: graph.graphId, serviceIds: underWay } }];
      }
      const notFailed = serviceIds.filter((id) => !failed.includes(id) && !underWay.includes(id));
      if (serviceIds.length === 0 || notFailed.length > 0) {
        throw new DomainError('conflict', `Nothing to retry in graph ${graph.graphId}${notFailed.length ? `: ${notFailed.join(', ')} did not fail` : ''}`);
      }
      return [{ type: 'DeploymentRetryRequested', data: { graphId: graph.graphId, serviceIds } }];
    }
    case 'RecordPlacement':
      present(state, command.data.graphId);
      return [{ type: 'PlacementDecided', data: command.data }];
    case 'RecordPlacementFailure':
      present(state, command.data.graphId);
      return [{ type: 'PlacementFailed', data: command.data }];
    case 'TriggerService': {
      if (state.kind === 'none') return [];
      const graph = state;
      const service = graph.services.find((s) => s.id === command.data.serviceId);
      if (!service) return [];
      // An alert names its event (SMO's rules by their `event` label, upstream-style ones by their alertname):
      // one the service no longer waits for (a rule left by an earlier submission of the graph, a late
      // delivery) triggers nothing, nor does one that names no event at all.
      if (command.data.eventId === null || !waitsForEvent(graph, service.id, command.data.eventId)) return [];
      if (waitsForEveryEvent(triggerOf(graph, service.id))) return alertOfEveryEvent(graph, service, command.data);
      if (command.data.status !== 'firing' || !triggerableByAlert(graph, service)) return [];
      return [triggered(command.data)];
    }
    case 'RecordPlacementProposal': {
      present(state, command.data.graphId);
      const { graphId, proposalId, diff, decision } = command.data;
      // A proposal that moves nothing would only wait to be approved for no effect.
      if (diff.length === 0) return [{ type: 'PlacementUnchanged', data: { graphId, requestId: proposalId, why: 'nothing would move: the current placement is already the best one', decision } }];
      return [{ type: 'PlacementProposed', data: command.data }];
    }
    case 'ApprovePlacementProposal': {
      const graph = existing(state, command.data.graphId);
      const proposal = pendingProposal(graph, command.data.proposalId);
      if (proposal.expiresAt < command.data.now) throw new DomainError('conflict', `Proposal ${proposal.proposalId} expired at ${proposal.expiresAt}`);
      if ((graph.placement?.decisionId ?? null) !== proposal.basisDecisionId) {
        throw new DomainError('conflict', `The placement of ${graph.graphId} changed since proposal ${proposal.proposalId}; ask for a new one`);
      }
      // Capacity other graphs took since the proposal was computed is not given twice.
      const { overbooked } = command.data;
      if (overbooked.length > 0) {
        const where = [...new Set(overbooked.map((v) => v.subject))].join(', ');
        throw new DomainError('conflict', `Capacity changed since proposal ${proposal.proposalId} (${where}): it no longer fits; ask for a new one`, {
          violations: overbooked.map((v) => ({ ...v })),
        });
      }
      return [
        { type: 'PlacementProposalApproved', data: { graphId: graph.graphId, proposalId: proposal.proposalId } },
        { type: 'PlacementDecided', data: { ...proposal.decision, graphId: graph.graphId, decisionId: proposal.proposalId } },
      ];
    }
    case 'RejectPlacementProposal': {
      const graph = existing(state, command.data.graphId);
      const proposal = pendingProposal(graph, command.data.proposalId);
      return [{ type: 'PlacementProposalRejected', data: { graphId: graph.graphId, proposalId: proposal.proposalId, reason: command.data.reason } }];
    }
    case 'ProposeClusterProvisioning': {
      const graph = present(state, command.data.graphId);
      // One open proposal per graph: a repeated failure does not ask for a second cluster while one is pending or building.
      const now = command.now;
      const open = (graph.provisioningProposals ?? []).some((p) => (p.status === 'pending' && (now === undefined || p.expiresAt >= now)) || p.status === 'approved');
      if (graph.removed || open) return [];
      return [{ type: 'ClusterProvisioningProposed', data: command.data }];
    }
    case 'ApproveClusterProvisioning': {
      const graph = existing(state, command.data.graphId);
      const proposal = pendingProvisioning(graph, command.data.proposalId);
      if (proposal.expiresAt < command.data.now) throw new DomainError('conflict', `Cluster provisioning proposal ${proposal.proposalId} expired at ${proposal.expiresAt}`);
      return [{ type: 'ClusterProvisioningApproved', data: { graphId: graph.graphId, proposalId: proposal.proposalId, smoId: command.data.smoId } }];
    }
    case 'RecordClusterApprovalFailure': {
      const graph = existing(state, command.data.graphId);
      // Only the approval that chose this cluster is undone: a late failure of an older attempt changes nothing.
      const approved = (graph.provisioningProposals ?? []).some((p) => p.proposalId === command.data.proposalId && p.status === 'approved' && p.smoId === command.data.smoId);
      return approved ? [{ type: 'ClusterProvisioningApprovalFailed', data: command.data }] : [];
    }
    case 'RestoreClusterApproval': {
      const graph = present(state, command.data.graphId);
      // Only a proposal still pending: one rejected, or approved again (another cluster asked for), stays as it is.
      const pending = (graph.provisioningProposals ?? []).some((p) => p.proposalId === command.data.proposalId && p.status === 'pending');
      return pending && !graph.removed ? [{ type: 'ClusterProvisioningApprovalRestored', data: command.data }] : [];
    }
    case 'RejectClusterProvisioning': {
      // An expired proposal may be rejected too: it closes it in the list.
      const graph = existing(state, command.data.graphId);
      const proposal = pendingProvisioning(graph, command.data.proposalId);
      return [{ type: 'ClusterProvisioningRejected', data: { graphId: graph.graphId, proposalId: proposal.proposalId, reason: command.data.reason } }];
    }
    case 'RecordScaling': {
      const graph = present(state, command.event.data.graphId);
      const service = graph.services.find((s) => s.id === command.event.data.serviceId);
      // A round that read the graph before it stopped records nothing: the release it scaled is gone.
      if (!isScalable(graph) || !service?.installed || isRepeatedScalingFact(graph, command.event)) return [];
      return [command.event];
    }
    case 'RecordScalingInfeasible': {
      const graph = present(state, command.data.graphId);
      const infeasible: GraphEvent = { type: 'ScalingInfeasible', data: command.data };
      if (!isScalable(graph) || isRepeatedScalingFact(graph, infeasible)) return [];
      // Beyond a service's maximum replicas (it runs its maximum): no cluster allows it more, so nothing to re-place.
      if (graph.normalised.useStaticPlacement || command.data.bindingResource === 'maxReplicas') return [infeasible];
      // One append: asked in a second one, a crash in between would leave the cause recorded, which
      // keeps every later round from asking, and the re-placement never asked.
      return [infeasible, { type: 'ReplacementRequested', data: { graphId: graph.graphId, requestId: command.requestId, reason: 'scaling-infeasible', detail: command.data.reason } }];
    }
    case 'RecordServiceOutcome': {
      const graph = present(state, command.event.data.graphId);
      const serviceId = command.event.data.serviceId;
      const service = graph.services.find((candidate) => candidate.id === serviceId);
      if (serviceId !== null && !service) {
        throw new DomainError('not-found', `Graph ${graph.graphId} has no service ${serviceId}`);
      }
      // An uninstall that keeps failing (Karmada down) is recorded once, not once per attempt: its event is retried with
      // backoff, then parked and re-driven. Recorded again once something changed (a retry asked, a success meanwhile).
      if (command.event.type === 'ServiceUninstallFailed' && service?.failure?.action === 'uninstall') return [];
      return [command.event];
    }
  }
}

/** The service's descriptor, as submitted now, has this trigger event. */
export function waitsForEvent(graph: ExistingGraph, serviceId: string, eventId: string): boolean {
  const trigger = triggerOf(graph, serviceId);
  return trigger?.kind === 'event' && trigger.events.some((event) => event.id === eventId);
}

function triggerOf(graph: ExistingGraph, serviceId: string) {
  return graph.normalised.services.find((s) => s.id === serviceId)?.trigger;
}

type AlertOfService = Extract<GraphCommand, { type: 'TriggerService' }>['data'];

function triggered({ graphId, serviceId, alertName, eventId, alertEventId }: AlertOfService): GraphEvent {
  return { type: 'ServiceTriggered', data: { graphId, serviceId, alertName, eventId, alertEventId } };
}

/**
 * A service waiting for ALL its events: which of them fire is recorded (per alert, so an event whose query
 * fires several alerts fires until each resolved), and the alert that completes the set triggers it. Recorded
 * until it is triggered only; after that it stays deployed whatever its alerts do (upstream never undeploys on
 * a resolution). A repeat of a recorded alert records nothing; an alert naming no event counts for none. Resolutions
 * are recorded by fingerprint and startsAt, even one that arrives before its firing (Alertmanager retrying a failed
 * firing notification after the resolved one went through): the late firing then counts for nothing.
 * A stopped graph's service is triggered too (triggerableByAlert), and deploys once the graph is started.
 */
function alertOfEveryEvent(graph: ExistingGraph, service: ServiceState, alert: AlertOfService): GraphEvent[] {
  const trigger = triggerOf(graph, service.id);
  if (!triggerableByAlert(graph, service) || alert.eventId === null || trigger?.kind !== 'event') return [];
  const { graphId, serviceId, alertName, eventId, alertEventId, fingerprint, startsAt } = alert;
  const fact = { graphId, serviceId, eventId, alertName, fingerprint, startsAt, alertEventId };
  const firing = service.firingEvents?.[eventId] ?? [];
  const recorded = firing.includes(firingAlertKey(fingerprint));
  // This firing of the alert resolved already: its resolution is recorded, and a firing delivered late counts for nothing.
  const key = resolvedAlertKey(fingerprint, startsAt);
  if (key !== null && service.resolvedAlerts?.[eventId]?.includes(key)) return [];
  if (alert.status === 'resolved') return recorded || key !== null ? [{ type: 'ServiceEventResolved', data: fact }] : [];
  const fired: GraphEvent[] = recorded || firing.length >= MAX_FIRING_ALERTS_PER_EVENT ? [] : [{ type: 'ServiceEventFiring', data: fact }];
  const allFiring = trigger.events.every((event) => event.id === eventId || (service.firingEvents?.[event.id]?.length ?? 0) > 0);
  // One append: the last event's firing and the trigger it completes.
  return allFiring ? [...fired, triggered(alert)] : fired;
}

/** The autoscaler's facts apply to a running graph only (it reads the read model, which may lag a stop or removal). */
function isScalable(graph: ExistingGraph): boolean {
  return !graph.removed && graph.status === 'Running';
}

/**
 * Scaling facts are recorded once per change, not once per round, so the history grows with what
 * happened rather than with time: a scale change that keeps failing is recorded once per outage (until a scaling
 * succeeds, or a fresh release or an uninstall resets the replicas; another target meanwhile is the same outage), an infeasible cluster once per cause (until what runs there
 * changes: a placement that moves services to or from it, a scaling, an uninstall; evolve.ts).
 */
function isRepeatedScalingFact(graph: ExistingGraph, event: GraphEvent): boolean {
  if (event.type === 'ServiceScalingFailed') {
    // Whatever the target: demand that swings while Karmada is down asks another each round, and the outage is one.
    const failure = graph.services.find((s) => s.id === event.data.serviceId)?.scalingFailure;
    return failure?.from === event.data.from;
  }
  if (event.type === 'ScalingInfeasible') {
    const recorded = graph.scalingInfeasible?.[event.data.cluster];
    return (
      recorded !== undefined &&
      recorded.bindingResource === event.data.bindingResource &&
      // The reason's figures follow the request rates; only a cause without a binding resource is told apart by its text.
      (event.data.bindingResource !== null || recorded.reason === event.data.reason) &&
      recorded.services.join('\u0000') === [...event.data.services].sort().join('\u0000')
    );
  }
  return false;
}

function pendingProposal(graph: ExistingGraph, proposalId: string) {
  const proposal = graph.proposals.find((p) => p.proposalId === proposalId);
  if (!proposal) throw new DomainError('not-found', `Graph ${graph.graphId} has no placement proposal ${proposalId}`);
  if (proposal.status !== 'pending') throw new DomainError('conflict', `Proposal ${proposalId} is already ${proposal.status}`);
  return proposal;
}

function pendingProvisioning(graph: ExistingGraph, proposalId: string) {
  const proposal = (graph.provisioningProposals ?? []).find((p) => p.proposalId === proposalId);
  if (!proposal) throw new DomainError('not-found', `Graph ${graph.graphId} has no cluster provisioning proposal ${proposalId}`);
  if (proposal.status !== 'pending') throw new DomainError('conflict', `Cluster provisioning proposal ${proposal.proposalId} is already ${proposal.status}`);
  return proposal;
}

/**
 * A removed graph whose removal did not finish (a release is left: its uninstall failed, or is
 * still under way) is asked again for the uninstalls; a removed graph with nothing left is not found.
 */
function retryRemoval(graph: ExistingGraph): GraphEvent[] {
  const serviceIds = graph.services.filter(holdsRelease).map((service) => service.id);
  if (serviceIds.length === 0) throw new DomainError('not-found', `Graph with name ${graph.graphId} not found`);
  return [{ type: 'DeploymentRetryRequested', data: { graphId: graph.graphId, serviceIds } }];
}

/** A graph that exists and was not removed: what user commands act on. */
function existing(state: GraphState, graphId: string): ExistingGraph {
  if (state.kind === 'none' || state.removed) throw new DomainError('not-found', `Graph with name ${graphId} not found`);
  return state;
}

/** A graph that was submitted, even if removed since: processors still record what they did to it. */
function present(state: GraphState, graphId: string): ExistingGraph {
  if (state.kind === 'none') throw new DomainError('not-found', `Graph with name ${graphId} not found`);
  return state;
}

export const graphDecider: Decider<GraphCommand, GraphEvent, GraphState> = {
  decide: decideGraph,
  evolve: evolveGraph,
  initialState: initialGraphState,
  isEvent: isGraphEvent,
  snapshotVersion: GRAPH_EVOLVE_VERSION,
};

