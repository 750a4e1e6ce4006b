import type { HelmValues, NormalisedGraph } from './hdag-descriptor';
import { eventGuard } from '../event-schema';
import type { ClusterCapacity, PlacementIntents, ServiceDemand } from './placement-model';

/** What a placement decision was computed from: enough to replay it. */
export interface PlacementInputs {
  clusters: ClusterCapacity[];
  services: ServiceDemand[];
  previousPlacement: Record<string, string> | null;
  /** Round-trip times between clusters (ms) used for latency requirements; absent in older events. */
  clusterLatencyMs?: Record<string, Record<string, number>>;
  /** The graph's intents the decision honoured (absent: none, as in older events). */
  intents?: PlacementIntents;
  /** Every cluster of each service that ran on several (highAvailability) before this decision. */
  previousClusterSets?: Record<string, string[]>;
  /** Energy figure per cluster read from SMO_ENERGY_QUERY (before the carbon-intensity label); absent: labels only. */
  energyFigures?: Record<string, number>;
}

/** What the intents did to a decision (src/optimizer/README.md "Intents"). */
export interface PlacementIntentReport {
  active: string[];
  /** The intent constraints and objective terms that ruled out a placement allowed without them. */
  decidedBy: string[];
  /** CPU-weighted mean energy figure (gCO2/kWh) of the placement, and of the one the graph gets without energyEfficiency. */
  energy?: { withIntent: number; withoutIntent: number | null };
  untrusted?: string[];
}

/** Why a placement was (re)computed. */
/** `start`: a graph started after other graphs took capacity of its placement while it was stopped is placed anew. */
export type PlacementReason = 'first-deploy' | 'manual' | 'scaling-infeasible' | 'cluster-lost' | 'cluster-removed' | 'retry' | 'start';

/** One way a placement no longer fits a cluster: its constraint (cpu, memory, gpu, an unavailable cluster…), the cluster or service, and by how much. */
export interface CapacityShortfall {
  constraint: string;
  subject: string;
  detail: string;
}

export interface GraphSubmitted {
  type: 'GraphSubmitted';
  data: {
    graphId: string;
    project: string;
    /** The `hdaGraph` object exactly as received. */
    descriptor: Record<string, unknown>;
    /** How it arrived: body form, or the artifact it was pulled from. */
    source: { form: string; ref?: string };
    normalised: NormalisedGraph;
    /** Accepted but worth telling the author (unknown connection points, unknown fields…). */
    warnings: { pointer: string; message: string }[];
  };
}

/** Everything an auditor needs to replay the decision. */
export interface PlacementDecided {
  type: 'PlacementDecided';
  data: {
    graphId: string;
    decisionId: string;
    reason: PlacementReason;
    algorithm: 'naive' | 'milp' | 'static';
    solver: string | null;
    objective: number | null;
    moves: number;
    durationMs: number;
    inputs: PlacementInputs;
    /** Service → cluster; empty under static placement. */
    placement: Record<string, string>;
    /** Service → every cluster it runs on (first = `placement`), for services on several (highAvailability). */
    clusterSets?: Record<string, string[]>;
    intents?: PlacementIntentReport;
    /** Service → clusters its consumers run on (serviceImportClusters). */
    imports: Record<string, string[]>;
    /** Service → the Helm values it must run with, and their digest (to tell which releases must change). */
    values: Record<string, HelmValues>;
    digests: Record<string, string>;
    explanation: string[];
  };
}

export interface PlacementFailed {
  type: 'PlacementFailed';
  data: {
    graphId: string;
    decisionId: string;
    reason: PlacementReason;
    algorithm: 'naive' | 'milp';
    detail: string;
    bindingResource: string | null;
    serviceId: string | null;
    /** The latency requirement that cannot be met, when that is the reason. */
    requirement?: { serviceId: string; connectionPoint: string; qos: string } | null;
    /** The smallest extra capacity that would make it fit (per cluster, or as a new cluster). */
    capacityGap?: unknown;
    inputs: PlacementInputs;
  };
}

export interface ServicePending {
  type: 'ServicePending';
  data: { graphId: string; serviceId: string };
}

export interface ServiceDeployed {
  type: 'ServiceDeployed';
  data: {
    graphId: string;
    serviceId: string;
    action: 'install' | 'upgrade' | 'adopt';
    cluster: string | null;
    namespace: string;
    chart: string;
    values: HelmValues;
    valuesDigest: string;
    /** helm's argv with the values file shown as `<values>`; empty for `adopt`. */
    command: string[];
  };
}

export interface ServiceDeploymentFailed {
  type: 'ServiceDeploymentFailed';
  data: {
    graphId: string;
    serviceId: string;
    action: 'install' | 'upgrade';
    cluster: string | null;
    chart: string;
    exitCode: number | null;
    stderr: string;
    timedOut: boolean;
    command: string[];
  };
}

export interface ServiceUninstalled {
  type: 'ServiceUninstalled';
  data: { graphId: string; serviceId: string; namespace: string; command: string[] };
}

export interface ServiceUninstallFailed {
  type: 'ServiceUninstallFailed';
  data: { graphId: string; serviceId: string; namespace: string; exitCode: number | null; stderr: string; timedOut: boolean; command: string[] };
}

/** A release left pending by a killed helm was repaired before the next operation. */
export interface HelmReleaseRecovered {
  type: 'HelmReleaseRecovered';
  data: { graphId: string; serviceId: string; namespace: string; foundState: string; action: 'uninstall' | 'rollback'; revision: number | null; ok: boolean; stderr: string };
}

export interface GraphStopped {
  type: 'GraphStopped';
  data: { graphId: string };
}

/**
 * The graph runs again. `overbooked`: what of its placement no longer fit when it was started (capacity other graphs
 * took while it was stopped); when any, its placement is dropped and it is placed anew (reason `start`) before anything
 * is installed. Empty in events recorded before schema version 2.
 */
export interface GraphStarted {
  type: 'GraphStarted';
  data: { graphId: string; overbooked: CapacityShortfall[] };
}

export interface GraphRemoved {
  type: 'GraphRemoved';
  data: { graphId: string };
}

export interface ReplacementRequested {
  type: 'ReplacementRequested';
  data: {
    graphId: string;
    requestId: string;
    reason: PlacementReason;
    detail: string | null;
    /** `propose`: record the result for approval instead of applying it. Unset: the graph's policy decides. */
    mode?: 'apply' | 'propose';
    /** At most this many services may move. Unset: the graph's policy decides. */
    maxMoves?: number | null;
  };
}

/** One service that a proposal would move. */
export interface PlacementMove {
  serviceId: string;
  from: string | null;
  to: string;
}

/** A re-placement computed but not applied: it waits for approval. */
export interface PlacementProposed {
  type: 'PlacementProposed';
  data: {
    graphId: string;
    proposalId: string;
    /** The placement decision it would replace; approval is refused once that has changed. */
    basisDecisionId: string | null;
    diff: PlacementMove[];
    /** Why it was proposed rather than applied (a request, the graph's policy, the move budget). */
    why: string;
    expiresAt: string;
    decision: Omit<PlacementDecided['data'], 'graphId'>;
  };
}

/** A proposal was asked for and nothing would move: no proposal is recorded, only this answer (with what was computed). */
export interface PlacementUnchanged {
  type: 'PlacementUnchanged';
  data: {
    graphId: string;
    /** The re-placement request it answers (the id its proposal would have had). */
    requestId: string;
    why: string;
    decision: Omit<PlacementDecided['data'], 'graphId'>;
  };
}

export interface PlacementProposalApproved {
  type: 'PlacementProposalApproved';
  data: { graphId: string; proposalId: string };
}

export interface PlacementProposalRejected {
  type: 'PlacementProposalRejected';
  data: { graphId: string; proposalId: string; reason: string };
}

export interface DeploymentRetryRequested {
  type: 'DeploymentRetryRequested';
  data: { graphId: string; serviceIds: string[] };
}

export interface DashboardPublished {
  type: 'DashboardPublished';
  data: { graphId: string; serviceId: string | null; uid: string; url: string };
}

export interface DashboardRemoved {
  type: 'DashboardRemoved';
  data: { graphId: string; serviceId: string | null; uid: string };
}

/** Grafana refused or did not answer (the error is redacted by the adapter); the processor retries, and so does POST /graphs/{name}/retry. */
export interface DashboardFailed {
  type: 'DashboardFailed';
  data: { graphId: string; serviceId: string | null; uid: string | null; action: 'publish' | 'remove'; status: number | null; error: string };
}

/** The alerting rules of an event-triggered service were written (and Prometheus reloaded, or why not). */
export interface AlertRulesRegistered {
  type: 'AlertRulesRegistered';
  data: { graphId: string; serviceId: string; rules: string[]; reloaded: boolean; reloadError: string | null };
}

export interface AlertRulesRemoved {
  type: 'AlertRulesRemoved';
  data: { graphId: string; serviceId: string; rules: string[] };
}

/** Writing the rules failed; the processor retries. */
export interface AlertRulesFailed {
  type: 'AlertRulesFailed';
  data: { graphId: string; serviceId: string; action: 'register' | 'remove'; error: string };
}

/**
 * An alert fired for a Pending service (the last of its events to fire, under `condition: ALL`): it is now
 * wanted (installed once), and stays so whatever its alerts do next.
 */
export interface ServiceTriggered {
  type: 'ServiceTriggered';
  data: { graphId: string; serviceId: string; alertName: string; eventId: string | null; alertEventId: string };
}

/**
 * One alert of a service that waits for every one of its events (`condition: ALL`): it fired or resolved.
 * `fingerprint` tells Alertmanager's alerts apart (an event's rule fires one per series of its query).
 */
export interface ServiceEventAlert {
  graphId: string;
  serviceId: string;
  eventId: string;
  alertName: string;
  fingerprint: string | null;
  /**
   * When the alert started (Alertmanager's `startsAt`): with the fingerprint, which firing of the alert it is (the
   * same series firing again starts anew). Null when not given, and in events recorded before schema version 2.
   */
  startsAt: string | null;
  /** The AlertFired event it was recorded from. */
  alertEventId: string;
}

/** An alert of one of its events fired for a service waiting for ALL its events: that event fires until it resolves. */
export interface ServiceEventFiring {
  type: 'ServiceEventFiring';
  data: ServiceEventAlert;
}

/**
 * An alert of the event resolved: the event no longer fires, unless another of its alerts does. Recorded too when its
 * firing was not (the resolution was delivered first: a firing notification retried late), so that a firing of the
 * same alert (fingerprint and startsAt) arriving after its resolution counts for nothing.
 */
export interface ServiceEventResolved {
  type: 'ServiceEventResolved';
  data: ServiceEventAlert;
}

export interface ServiceScaled {
  type: 'ServiceScaled';
  data: { graphId: string; serviceId: string; cluster: string; from: number; to: number; requestRate: number; solver: string; objective: number };
}

/** The scale call failed (Karmada refused or did not answer): replicas are unchanged, the next round tries again. */
export interface ServiceScalingFailed {
  type: 'ServiceScalingFailed';
  data: { graphId: string; serviceId: string; cluster: string; from: number; to: number; error: string };
}

export interface ScalingInfeasible {
  type: 'ScalingInfeasible';
  data: { graphId: string; cluster: string; services: string[]; reason: string; bindingResource: string | null; requestRates: Record<string, number> };
}

/**
 * The graph cannot be placed and NFVCL can build clusters: a new OpenStack Kubernetes cluster sized from the capacity
 * gap is proposed, to be approved like a placement proposal.
 */
export interface ClusterProvisioningProposed {
  type: 'ClusterProvisioningProposed';
  data: {
    graphId: string;
    proposalId: string;
    /** The failed placement decision whose capacity gap sized it. */
    basisDecisionId: string;
    /** What the new cluster must offer (the gap's `newCluster`). */
    gap: { cpu: number; memoryBytes?: number; gpu?: number };
    popArea: number;
    vimName: string;
    /** Worker nodes of the configured flavor that cover the gap. */
    workerReplicas: number;
    workerFlavor: { cpu: number; memoryBytes: number };
    why: string;
    expiresAt: string;
  };
}

export interface ClusterProvisioningApproved {
  type: 'ClusterProvisioningApproved';
  data: { graphId: string; proposalId: string; /** The OpenStack Kubernetes cluster asked of NFVCL. */ smoId: string };
}

/** NFVCL did not accept to build the approved cluster: the proposal is pending again (with the reason). */
export interface ClusterProvisioningApprovalFailed {
  type: 'ClusterProvisioningApprovalFailed';
  data: { graphId: string; proposalId: string; smoId: string; detail: string };
}

/**
 * The cluster of an approval that failed (it was not ready in time) was built after all: a sync found it ready. The
 * proposal is approved again, with that cluster, and the graph waits for it to join as it did before the failure.
 */
export interface ClusterProvisioningApprovalRestored {
  type: 'ClusterProvisioningApprovalRestored';
  data: { graphId: string; proposalId: string; smoId: string };
}

/** An operator turned a pending cluster provisioning proposal down: nothing is built; a later failure may propose again. */
export interface ClusterProvisioningRejected {
  type: 'ClusterProvisioningRejected';
  data: { graphId: string; proposalId: string; reason: string };
}

export type GraphEvent =
  | GraphSubmitted
  | PlacementDecided
  | PlacementFailed
  | ServicePending
  | ServiceDeployed
  | ServiceDeploymentFailed
  | ServiceUninstalled
  | ServiceUninstallFailed
  | HelmReleaseRecovered
  | GraphStopped
  | GraphStarted
  | GraphRemoved
  | ReplacementRequested
  | DeploymentRetryRequested
  | DashboardPublished
  | DashboardRemoved
  | DashboardFailed
  | AlertRulesRegistered
  | AlertRulesRemoved
  | AlertRulesFailed
  | ServiceTriggered
  | ServiceEventFiring
  | ServiceEventResolved
  | ServiceScaled
  | ServiceScalingFailed
  | ScalingInfeasible
  | PlacementProposed
  | PlacementUnchanged
  | PlacementProposalApproved
  | PlacementProposalRejected
  | ClusterProvisioningProposed
  | ClusterProvisioningApproved
  | ClusterProvisioningApprovalFailed
  | ClusterProvisioningApprovalRestored
  | ClusterProvisioningRejected;

/** Every graph event type (exhaustive: the Record type fails to compile when one is missing) and the stream's guard. */
export const GRAPH_EVENT_TYPES: Record<GraphEvent['type'], true> = {
  GraphSubmitted: true,
  PlacementDecided: true,
  PlacementFailed: true,
  ServicePending: true,
  ServiceDeployed: true,
  ServiceDeploymentFailed: true,
  ServiceUninstalled: true,
  ServiceUninstallFailed: true,
  HelmReleaseRecovered: true,
  GraphStopped: true,
  GraphStarted: true,
  GraphRemoved: true,
  ReplacementRequested: true,
  DeploymentRetryRequested: true,
  DashboardPublished: true,
  DashboardRemoved: true,
  DashboardFailed: true,
  AlertRulesRegistered: true,
  AlertRulesRemoved: true,
  AlertRulesFailed: true,
  ServiceTriggered: true,
  ServiceEventFiring: true,
  ServiceEventResolved: true,
  ServiceScaled: true,
  ServiceScalingFailed: true,
  ScalingInfeasible: true,
  PlacementProposed: true,
  PlacementUnchanged: true,
  PlacementProposalApproved: true,
  PlacementProposalRejected: true,
  ClusterProvisioningProposed: true,
  ClusterProvisioningApproved: true,
  ClusterProvisioningApprovalFailed: true,
  ClusterProvisioningApprovalRestored: true,
  ClusterProvisioningRejected: true,
};
export const isGraphEvent = eventGuard<GraphEvent>(GRAPH_EVENT_TYPES);

export const GRAPH_CATEGORY = 'graph';

export function graphStream(graphId: string): string {
  return `${GRAPH_CATEGORY}-${graphId}`;
}
