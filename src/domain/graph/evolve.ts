import type { GraphEvent } from './events';
import { MAX_FIRING_ALERTS_PER_EVENT, awaitsAlert, firingAlertKey, isUpToDate, resolvedAlertKey, isWanted, type ExistingGraph, type GraphState, type ProvisioningProposal, type ServiceState, type ServiceStatus } from './state';

/** Version of evolveGraph and of GraphState's shape: bump it when either changes (older snapshots are then ignored). */
// 9: ServiceEventFiring / ServiceEventResolved and `firingEvents` (condition: ALL).
// 10: GraphStarted clears the failure of a first placement (the start asks for a new one); a wanted service no placement
// is coming for is Not deployed, not Deploying; ClusterProvisioningApprovalRestored.
// 11: `submission`, which submission of the graph id it is (a dashboard's owner tag names it).
// (`resolvedAlerts` needed no new version: a state folded by 11 is what today's evolve folds from the same events, whose
// resolutions carry no startsAt and so add none. Ignoring every snapshot would make each graph's next load read its whole stream.)
// 12: an install recorded after a stop is Uninstalling, not Deployed; an uninstall recorded after a start is Deploying, not Not deployed.
export const GRAPH_EVOLVE_VERSION = 12;

/**
 * Decided proposals the state keeps (the latest ones, of placement and of cluster provisioning proposals each), beside
 * every open one: a graph re-placed for months keeps a bounded state. Older decisions stay in the graph's history.
 */
export const DECIDED_PROPOSALS_KEPT = 20;

/** Folds one graph event into the state. Pure. */
export function evolveGraph(state: GraphState, event: GraphEvent): GraphState {
  if (event.type === 'GraphSubmitted') {
    const { graphId, project, descriptor, normalised, warnings } = event.data;
    return {
      kind: 'exists',
      graphId,
      project,
      submission: state.kind === 'exists' ? state.submission + 1 : 1,
      status: 'Running',
      removed: false,
      descriptor,
      normalised,
      placement: null,
      placementFailure: null,
      services: normalised.services.map((service) => ({
        id: service.id,
        status: 'Deploying',
        target: null,
        installed: null,
        triggered: false,
        failure: null,
        dashboard: null,
        alertRules: [],
        replicas: null,
      })),
      dashboard: null,
      proposals: [],
      warnings: warnings ?? [],
    };
  }
  if (state.kind === 'none') return state;
  const graph = state;
  switch (event.type) {
    case 'PlacementDecided': {
      const { decisionId, reason, algorithm, placement, clusterSets, imports, values, digests } = event.data;
      const next: ExistingGraph = {
        ...graph,
        scalingInfeasible: infeasibleAfterPlacement(graph, placement),
        placement: { decisionId, reason, algorithm, placement, ...(clusterSets && Object.keys(clusterSets).length > 0 ? { clusterSets } : {}), imports },
        ...(graph.provisioningProposals
          ? { provisioningProposals: boundedProvisioningProposals(graph.provisioningProposals.map((p) => (p.status === 'approved' ? { ...p, status: 'fulfilled' as const } : p))) }
          : {}),
        placementFailure: null,
        services: graph.services.map((service) => {
          const target = { cluster: placement[service.id] ?? null, values: values[service.id] ?? {}, valuesDigest: digests[service.id] ?? '' };
          // A failure belongs to the target it was met on: a service moved (off a lost cluster, say)
          // or given other values is a new attempt, not a retry; one whose target stays waits for /retry.
          const retargeted = service.target !== null && (service.target.cluster !== target.cluster || service.target.valuesDigest !== target.valuesDigest);
          return { ...service, target, ...(retargeted && service.failure?.action !== 'uninstall' ? { failure: null } : {}) };
        }),
      };
      return withConvergingStatuses(next);
    }
    case 'PlacementFailed':
      return {
        ...graph,
        placementFailure: { decisionId: event.data.decisionId, detail: event.data.detail, bindingResource: event.data.bindingResource },
        services: graph.placement ? graph.services : graph.services.map((service) => ({ ...service, status: 'Not deployed' })),
      };
    case 'ServicePending':
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, status: 'Pending' }));
    case 'ServiceDeployed':
      return updateService(graph, event.data.serviceId, (service) => ({
        ...service,
        // An install that was under way when the graph was stopped (or removed): its release is to be uninstalled
        // still, so the graph is not settled (a stop answered then would leave it for a start to race).
        status: isWanted(graph, service) ? 'Deployed' : 'Uninstalling',
        installed: { cluster: event.data.cluster, valuesDigest: event.data.valuesDigest },
        failure: null,
        unrecordedRelease: false,
        // A fresh release runs the chart's replica count, whatever the scaler set on the one before.
        ...(event.data.action === 'install' ? { replicas: null, scalingFailure: null } : {}),
      }));
    case 'ServiceDeploymentFailed': {
      const { action, exitCode, stderr, timedOut } = event.data;
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, status: 'Failed', failure: { action, exitCode, stderr, timedOut } }));
    }
    case 'ServiceUninstalled': {
      // What ran on its cluster changed: an infeasibility recorded there no longer holds as it was.
      const cluster = graph.services.find((service) => service.id === event.data.serviceId)?.installed?.cluster;
      return updateService(cluster ? withoutInfeasibility(graph, cluster) : graph, event.data.serviceId, (service) => ({
        ...service,
        installed: null,
        failure: null,
        replicas: null,
        scalingFailure: null,
        unrecordedRelease: false,
        // The graph may have been started again while a stop's uninstall ran: the service is wanted, and its
        // reinstall (the start's handling) is due, so it is Deploying, not settled as Not deployed.
        status: convergingStatus(graph, { ...service, installed: null, unrecordedRelease: false }),
      }));
    }
    case 'ServiceUninstallFailed': {
      const { exitCode, stderr, timedOut } = event.data;
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, status: 'Failed', failure: { action: 'uninstall', exitCode, stderr, timedOut } }));
    }
    case 'HelmReleaseRecovered':
      return graph;
    case 'GraphStopped':
      return withConvergingStatuses({ ...graph, status: 'Stopped' });
    case 'GraphStarted':
      // Its placement no longer fits (capacity taken while it was stopped): dropped, so that nothing is installed where
      // it does not fit and the placement processor places it anew, as a graph never placed.
      if (event.data.overbooked.length > 0) {
        return withConvergingStatuses({ ...graph, status: 'Running', placement: null, placementFailure: null, services: graph.services.map((service) => ({ ...service, target: null })) });
      }
      // Never placed: the start asks for a placement again (placement.processor.ts), so the graph is mid-way until it
      // is decided, not settled on the failure that decision will replace.
      return withConvergingStatuses({ ...graph, status: 'Running', ...(graph.placement === null ? { placementFailure: null } : {}) });
    case 'GraphRemoved':
      return withConvergingStatuses({ ...graph, removed: true });
    case 'ReplacementRequested':
      return graph;
    case 'DeploymentRetryRequested':
      return withConvergingStatuses({
        ...graph,
        services: graph.services.map((service) =>
          event.data.serviceIds.includes(service.id) ? { ...service, failure: null, status: 'Deploying' } : service,
        ),
      });
    case 'DashboardPublished':
      if (event.data.serviceId === null) return { ...graph, dashboard: { uid: event.data.uid, url: event.data.url }, dashboardFailure: null };
      return updateService({ ...graph, dashboardFailure: null }, event.data.serviceId, (service) => ({ ...service, dashboard: { uid: event.data.uid, url: event.data.url } }));
    case 'DashboardRemoved':
      if (event.data.serviceId === null) return { ...graph, dashboard: null, dashboardFailure: null };
      return updateService({ ...graph, dashboardFailure: null }, event.data.serviceId, (service) => ({ ...service, dashboard: null }));
    case 'DashboardFailed':
      return { ...graph, dashboardFailure: { action: event.data.action, serviceId: event.data.serviceId, error: event.data.error } };
    case 'AlertRulesRegistered':
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, alertRules: [...new Set([...service.alertRules, ...event.data.rules])] }));
    case 'AlertRulesRemoved':
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, alertRules: service.alertRules.filter((r) => !event.data.rules.includes(r)) }));
    case 'AlertRulesFailed':
      return graph;
    case 'ServiceTriggered':
      // Triggered, it stays wanted whatever its alerts do next: which of them fire no longer matters.
      return withConvergingStatuses(
        updateService(graph, event.data.serviceId, ({ firingEvents: _firing, resolvedAlerts: _resolved, ...service }) => ({ ...service, triggered: true })),
      );
    case 'ServiceEventFiring': {
      const { eventId, fingerprint } = event.data;
      return updateService(graph, event.data.serviceId, (service) => {
        const firing = service.firingEvents?.[eventId] ?? [];
        return { ...service, firingEvents: { ...service.firingEvents, [eventId]: [...new Set([...firing, firingAlertKey(fingerprint)])] } };
      });
    }
    case 'ServiceEventResolved': {
      const { eventId, fingerprint, startsAt } = event.data;
      return updateService(graph, event.data.serviceId, (service) => {
        const { [eventId]: firing = [], ...others } = service.firingEvents ?? {};
        const still = firing.filter((key) => key !== firingAlertKey(fingerprint));
        const resolved = withResolvedAlert(service.resolvedAlerts, eventId, resolvedAlertKey(fingerprint, startsAt));
        return { ...service, firingEvents: still.length > 0 ? { ...others, [eventId]: still } : others, ...(resolved && { resolvedAlerts: resolved }) };
      });
    }
    case 'ServiceScaled':
      return updateService(withoutInfeasibility(graph, event.data.cluster), event.data.serviceId, (service) => ({ ...service, replicas: event.data.to, scalingFailure: null }));
    case 'ScalingInfeasible': {
      const { cluster, services, reason, bindingResource } = event.data;
      return { ...graph, scalingInfeasible: { ...graph.scalingInfeasible, [cluster]: { services: [...services].sort(), reason, bindingResource } } };
    }
    case 'ServiceScalingFailed':
      return updateService(graph, event.data.serviceId, (service) => ({ ...service, scalingFailure: { from: event.data.from, to: event.data.to } }));
    case 'PlacementProposed': {
      const { proposalId, basisDecisionId, diff, why, expiresAt, decision } = event.data;
      return { ...graph, proposals: boundedProposals([...graph.proposals, { proposalId, status: 'pending', reason: null, basisDecisionId, diff, why, expiresAt, decision }]) };
    }
    case 'PlacementUnchanged':
      return graph;
    case 'PlacementProposalApproved':
      return { ...graph, proposals: boundedProposals(graph.proposals.map((p) => (p.proposalId === event.data.proposalId ? { ...p, status: 'approved' } : p))) };
    case 'ClusterProvisioningProposed': {
      const { graphId: _graphId, ...proposal } = event.data;
      return { ...graph, provisioningProposals: boundedProvisioningProposals([...(graph.provisioningProposals ?? []), { ...proposal, status: 'pending', smoId: null }]) };
    }
    case 'ClusterProvisioningApproved':
    case 'ClusterProvisioningApprovalRestored':
      return {
        ...graph,
        provisioningProposals: (graph.provisioningProposals ?? []).map((p) => (p.proposalId === event.data.proposalId ? { ...p, status: 'approved', smoId: event.data.smoId } : p)),
      };
    case 'ClusterProvisioningApprovalFailed':
      return {
        ...graph,
        provisioningProposals: (graph.provisioningProposals ?? []).map((p) =>
          p.proposalId === event.data.proposalId && p.smoId === event.data.smoId ? { ...p, status: 'pending', smoId: null, lastFailure: event.data.detail } : p,
        ),
      };
    case 'ClusterProvisioningRejected':
      return {
        ...graph,
        provisioningProposals: boundedProvisioningProposals((graph.provisioningProposals ?? []).map((p) => (p.proposalId === event.data.proposalId ? { ...p, status: 'rejected', reason: event.data.reason } : p))),
      };
    case 'PlacementProposalRejected':
      return {
        ...graph,
        proposals: boundedProposals(graph.proposals.map((p) => (p.proposalId === event.data.proposalId ? { ...p, status: 'rejected', reason: event.data.reason } : p))),
      };
  }
}

/** The graph without the infeasibility recorded on `cluster` (what runs there changed). */
function withoutInfeasibility(graph: ExistingGraph, cluster: string): ExistingGraph {
  if (graph.scalingInfeasible?.[cluster] === undefined) return graph;
  const { [cluster]: _changed, ...stillInfeasible } = graph.scalingInfeasible;
  return { ...graph, scalingInfeasible: stillInfeasible };
}

/**
 * The infeasible clusters still recorded after a placement: those where it leaves the same services.
 * There the same demand meets the same cluster, so a round finding it again repeats the recorded
 * cause (nothing is recorded, no re-placement asked again); where services came or went, it is new.
 */
function infeasibleAfterPlacement(graph: ExistingGraph, placement: Readonly<Record<string, string>>): NonNullable<ExistingGraph['scalingInfeasible']> {
  const before = graph.placement?.placement ?? {};
  const servicesOn = (where: Readonly<Record<string, string>>, cluster: string) =>
    Object.keys(where)
      .filter((service) => where[service] === cluster)
      .sort()
      .join('\u0000');
  return Object.fromEntries(Object.entries(graph.scalingInfeasible ?? {}).filter(([cluster]) => servicesOn(before, cluster) === servicesOn(placement, cluster)));
}

/** The resolved alerts with one more (the latest MAX_FIRING_ALERTS_PER_EVENT per event); undefined when there is none to add. */
function withResolvedAlert(resolved: ServiceState['resolvedAlerts'], eventId: string, key: string | null): ServiceState['resolvedAlerts'] {
  if (key === null) return resolved;
  const kept = (resolved?.[eventId] ?? []).filter((recorded) => recorded !== key);
  return { ...resolved, [eventId]: [...kept, key].slice(-MAX_FIRING_ALERTS_PER_EVENT) };
}

function updateService(graph: ExistingGraph, serviceId: string, change: (service: ServiceState) => ServiceState): ExistingGraph {
  return { ...graph, services: graph.services.map((service) => (service.id === serviceId ? change(service) : service)) };
}

/** After a change of what is wanted, each service shows where it is heading (failures stay visible). */
function withConvergingStatuses(graph: ExistingGraph): ExistingGraph {
  return {
    ...graph,
    services: graph.services.map((service) => {
      if (service.status === 'Failed' && service.failure && isWanted(graph, service)) return service;
      // An install is due: until its outcome is recorded, a release may exist that SMO has not recorded.
      const due = isWanted(graph, service) && service.target !== null && service.installed === null;
      const next = due && service.unrecordedRelease !== true ? { ...service, unrecordedRelease: true } : service;
      return { ...next, status: convergingStatus(graph, next) };
    }),
  };
}

function convergingStatus(graph: ExistingGraph, service: ServiceState): ServiceStatus {
  if (isWanted(graph, service)) {
    // No target: deploying once a placement is decided, unless the graph's first placement failed (none is coming
    // until a start or a re-placement asks again).
    if (!service.target) return graph.placementFailure !== null && graph.placement === null ? 'Not deployed' : 'Deploying';
    return isUpToDate(service) && service.status === 'Deployed' ? 'Deployed' : 'Deploying';
  }
  return service.installed || service.unrecordedRelease ? 'Uninstalling' : statusWhenIdle(graph, service);
}

/**
 * A service with nothing installed: Pending once SMO has recorded that it waits for its alert
 * (an event-triggered service of a running graph), heading there meanwhile; otherwise Not deployed.
 */
function statusWhenIdle(graph: ExistingGraph, service: ServiceState): ServiceStatus {
  if (!awaitsAlert(graph, service)) return 'Not deployed';
  return service.status === 'Pending' ? 'Pending' : 'Deploying';
}

/** Every proposal still open (`open`: pending by default) and the latest DECIDED_PROPOSALS_KEPT closed ones, in their order. */
function boundedProposals<P extends { status: string }>(proposals: P[], open: (proposal: P) => boolean = (p) => p.status === 'pending'): P[] {
  let decided = proposals.filter((p) => !open(p)).length;
  if (decided <= DECIDED_PROPOSALS_KEPT) return proposals;
  return proposals.filter((p) => open(p) || decided-- <= DECIDED_PROPOSALS_KEPT);
}

/** Cluster proposals stay open while pending or approved (the graph waits for the cluster to join). */
function boundedProvisioningProposals(proposals: ProvisioningProposal[]): ProvisioningProposal[] {
  return boundedProposals(proposals, (p) => p.status === 'pending' || p.status === 'approved');
}
