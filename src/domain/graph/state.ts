import type { HelmValues, NormalisedGraph, NormalisedTrigger } from './hdag-descriptor';
import type { ClusterProvisioningProposed, PlacementDecided, PlacementReason } from './events';

/** What a graph is asked to be: its services converge to it. */
export const GRAPH_STATUSES = ['Running', 'Stopped'] as const;
export type GraphStatus = (typeof GRAPH_STATUSES)[number];

/** Upstream's service words, plus the transitional and failure states SMO adds. */
export const SERVICE_STATUSES = ['Deploying', 'Deployed', 'Pending', 'Failed', 'Not deployed', 'Uninstalling'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export interface ServiceFailure {
  action: 'install' | 'upgrade' | 'uninstall';
  exitCode: number | null;
  stderr: string;
  timedOut: boolean;
}

export interface ServiceState {
  id: string;
  status: ServiceStatus;
  /** What the latest placement wants: cluster (null under static placement) and values. */
  target: { cluster: string | null; values: HelmValues; valuesDigest: string } | null;
  /** What is installed, as far as SMO has recorded; null when nothing is. */
  installed: { cluster: string | null; valuesDigest: string } | null;
  /** An event-triggered service whose alert has fired (it stays wanted across stop/start). */
  triggered: boolean;
  failure: ServiceFailure | null;
  dashboard: { uid: string; url: string } | null;
  /** Names of the alerting rules registered for it (removed on stop and remove). */
  alertRules: string[];
  /** Replicas set by the autoscaler; null until it has scaled the service. */
  replicas: number | null;
  /** The scale change that failed and has not succeeded since (absent in states recorded before): the same failure is recorded once per outage. */
  scalingFailure?: { from: number; to: number } | null;
  /**
   * An install may have left a release SMO has not recorded: one was due (the service was wanted
   * with a target) and neither ServiceDeployed nor ServiceUninstalled has been recorded since. A
   * failed install can leave a `failed` release, a killed one `pending-install`, and one finished
   * after a crash a `deployed` one. Stop and removal ask helm about it (absent in states before).
   */
  unrecordedRelease?: boolean;
  /**
   * A service waiting for every one of its events (`waitsForEveryEvent`): per event that fires, the
   * fingerprints of its alerts that fired and have not resolved (at most MAX_FIRING_ALERTS_PER_EVENT).
   * Forgotten once the service is triggered; absent otherwise, and in states recorded before.
   */
  firingEvents?: Record<string, string[]>;
  /**
   * Beside `firingEvents`: per event, the alerts that resolved (`resolvedAlertKey`: fingerprint and startsAt), the
   * latest MAX_FIRING_ALERTS_PER_EVENT. A firing delivered after its own resolution (a retried notification, a second
   * Alertmanager) is then not taken for a new one. Forgotten with `firingEvents`; absent when none (and in states
   * recorded before it: their resolutions carried no startsAt, so they would add none).
   */
  resolvedAlerts?: Record<string, string[]>;
}

/**
 * The firing alerts kept per event of a service waiting for ALL its events. An event's query may fire one alert
 * per series; past this many at once the event fires already, and further ones are not recorded (the graph's
 * history grows with the event's state, not with its series): the event counts as resolved once those recorded
 * have resolved.
 */
export const MAX_FIRING_ALERTS_PER_EVENT = 100;

/** The key of an alert in `firingEvents` (an alert without a fingerprint is one alert). */
export function firingAlertKey(fingerprint: string | null): string {
  return fingerprint ?? '';
}

/**
 * The key of one firing of an alert in `resolvedAlerts`: its fingerprint and when it started (the same series firing
 * again has another startsAt). Null without a startsAt: such a firing cannot be told from the next one.
 */
export function resolvedAlertKey(fingerprint: string | null, startsAt: string | null): string | null {
  return startsAt === null ? null : JSON.stringify([fingerprint, startsAt]);
}

/** What made a cluster's scaling infeasible; the same cause is recorded once until something changes. */
export interface ScalingInfeasibility {
  services: string[];
  reason: string;
  bindingResource: string | null;
}

export interface PlacementSummary {
  decisionId: string;
  reason: PlacementReason;
  algorithm: 'naive' | 'milp' | 'static';
  placement: Record<string, string>;
  /** Services on several clusters (highAvailability): every cluster, the first being `placement`'s. */
  clusterSets?: Record<string, string[]>;
  imports: Record<string, string[]>;
}

export interface ExistingGraph {
  kind: 'exists';
  graphId: string;
  project: string;
  /**
   * Which submission of this graph id it is (1 for the first): a graph removed and submitted again is another
   * submission, and what a removal takes away (its dashboards) is the removed one's, not the new one's.
   */
  submission: number;
  /** The graph's desired state; services converge to it. */
  status: GraphStatus;
  removed: boolean;
  descriptor: Record<string, unknown>;
  normalised: NormalisedGraph;
  placement: PlacementSummary | null;
  placementFailure: { decisionId: string; detail: string; bindingResource: string | null } | null;
  /** Service states in descriptor order. */
  services: ServiceState[];
  dashboard: { uid: string; url: string } | null;
  /** The last dashboard that Grafana refused, until a dashboard is published or removed again (absent in states recorded before). */
  dashboardFailure?: { action: 'publish' | 'remove'; serviceId: string | null; error: string } | null;
  /** Re-placements waiting for approval, and what became of them. */
  proposals: PlacementProposal[];
  /** New clusters proposed to close a capacity gap, and what became of them (absent in states recorded before). */
  provisioningProposals?: ProvisioningProposal[];
  /** What the descriptor's author should hear about (typos, unknown fields…); absent in states recorded before. */
  warnings?: Array<{ pointer: string; message: string }>;
  /** Per cluster, the infeasible scaling recorded since the last placement or scaling there (absent in states recorded before). */
  scalingInfeasible?: Record<string, ScalingInfeasibility>;
}

export interface PlacementProposal {
  proposalId: string;
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  basisDecisionId: string | null;
  diff: Array<{ serviceId: string; from: string | null; to: string }>;
  why: string;
  expiresAt: string;
  /** The decision approval applies, as computed. */
  decision: Omit<PlacementDecided['data'], 'graphId'>;
}

/** A proposed cluster (the event's data) and what became of it. */
export type ProvisioningProposal = Omit<ClusterProvisioningProposed['data'], 'graphId'> & {
  /** `fulfilled`: the graph was placed after the approval (the cluster it waited for, or another). */
  status: 'pending' | 'approved' | 'fulfilled' | 'rejected';
  /** The cluster asked of NFVCL once approved. */
  smoId: string | null;
  /** Why NFVCL did not build the cluster of the last approval (the proposal is pending again). */
  lastFailure?: string;
  /** Why it was rejected. */
  reason?: string;
};

export type GraphState = { kind: 'none' } | ExistingGraph;

export const initialGraphState: GraphState = { kind: 'none' };

/** Whether a service should run now: the graph runs, and it is auto-triggered or its alert fired. */
export function isWanted(graph: ExistingGraph, service: ServiceState): boolean {
  if (graph.removed || graph.status !== 'Running') return false;
  const trigger = graph.normalised.services.find((s) => s.id === service.id)?.trigger;
  return trigger?.kind === 'auto' || service.triggered;
}

/**
 * The service deploys only once every one of its events is firing at the same time (`condition: ALL`
 * with several events); otherwise (ANY, another value, a single event) the first alert that fires deploys it.
 */
export function waitsForEveryEvent(trigger: NormalisedTrigger | undefined): trigger is Extract<NormalisedTrigger, { kind: 'event' }> {
  return trigger?.kind === 'event' && trigger.condition === 'ALL' && trigger.events.length > 1;
}

/**
 * An event-triggered service of a graph not removed whose alert has not fired and that runs nowhere: an alert
 * (under ALL, the one completing its events) triggers it, even while the graph is stopped (it deploys once
 * started). Alertmanager repeats a firing alert unchanged, and the repeat is not recorded again: an alert
 * that counted for nothing while the graph was stopped would never count.
 */
export function triggerableByAlert(graph: ExistingGraph, service: ServiceState): boolean {
  const trigger = graph.normalised.services.find((s) => s.id === service.id)?.trigger;
  return !graph.removed && trigger?.kind === 'event' && !service.triggered && !service.installed;
}

/** An event-triggered service of a running graph whose alert has not fired and that runs nowhere (`Pending`). */
export function awaitsAlert(graph: ExistingGraph, service: ServiceState): boolean {
  return graph.status === 'Running' && triggerableByAlert(graph, service);
}

/**
 * Whether the service's release may still exist in the cluster as far as SMO has recorded: it is
 * installed, being uninstalled (an uninstall that failed leaves it installed), or an install may
 * have left one unrecorded. While one may, a removed graph keeps its release names and its id, and
 * DELETE or retry try the removal again.
 */
export function holdsRelease(service: ServiceState): boolean {
  return service.installed !== null || service.status === 'Uninstalling' || service.unrecordedRelease === true;
}

/** True once no service is mid-way: each is Deployed, Pending, Failed or Not deployed. */
export function isSettled(graph: ExistingGraph): boolean {
  if (graph.placementFailure) return true;
  if (!graph.placement) return false;
  return graph.services.every((service) => service.status !== 'Deploying' && service.status !== 'Uninstalling');
}

/** The installed release matches the latest placement (same cluster, same values). */
export function isUpToDate(service: ServiceState): boolean {
  return (
    service.installed !== null &&
    service.target !== null &&
    service.installed.cluster === service.target.cluster &&
    service.installed.valuesDigest === service.target.valuesDigest
  );
}

/** A running graph whose placement failed before it was ever placed: nothing of it is installed, and a retry places it again. */
export function awaitsFirstPlacement(graph: ExistingGraph): boolean {
  return graph.placement === null && awaitsPlacementRetry(graph);
}

/**
 * A running graph whose latest placement failed, and that a retry places again: never placed (awaitsFirstPlacement), or
 * left where it was by a re-placement that failed (a cluster lost while the others had no room).
 */
export function awaitsPlacementRetry(graph: ExistingGraph): boolean {
  return graph.status === 'Running' && !graph.removed && graph.placementFailure !== null && !graph.normalised.useStaticPlacement;
}

/**
 * A start checks that the placement the stopped graph had still fits (capacity other graphs took meanwhile): one it has,
 * not static. A graph never placed is placed anew by the start anyway.
 */
export function startChecksPlacement(graph: ExistingGraph): boolean {
  return graph.placement !== null && !graph.normalised.useStaticPlacement;
}

/** The graph's placement failed and it waits for a cluster it approved to join (then it is placed again). */
export function awaitsProvisionedCluster(graph: ExistingGraph): boolean {
  return graph.placementFailure !== null && !graph.removed && !graph.normalised.useStaticPlacement && (graph.provisioningProposals ?? []).some((p) => p.status === 'approved');
}
