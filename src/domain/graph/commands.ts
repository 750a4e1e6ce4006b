import type { CapacityShortfall, GraphEvent } from './events';

export type { CapacityShortfall } from './events';

type DataOf<T extends GraphEvent['type']> = Extract<GraphEvent, { type: T }>['data'];

/**
 * Commands on a graph. Outcome commands (`Record…`) state a fact a processor observed — a helm
 * result, a solver decision — so their data is the event's data.
 */
export type GraphCommand =
  | { type: 'SubmitGraph'; data: DataOf<'GraphSubmitted'> }
  | { type: 'StopGraph'; data: { graphId: string } }
  /**
   * `overbooked`: what of the placement the stopped graph had does not fit the clusters as they are now (the caller
   * checks, as for an approval): capacity other graphs took while it was stopped. Any entry places it anew.
   */
  | { type: 'StartGraph'; data: { graphId: string; overbooked: CapacityShortfall[] } }
  | { type: 'RemoveGraph'; data: { graphId: string } }
  | { type: 'RequestReplacement'; data: DataOf<'ReplacementRequested'> }
  /** `requestId`: the id a re-placement it asks for gets (a graph whose placement failed before it was ever placed is placed again). */
  | { type: 'RetryDeployment'; data: { graphId: string; serviceIds?: string[]; requestId?: string } }
  | { type: 'RecordPlacement'; data: DataOf<'PlacementDecided'> }
  | { type: 'RecordPlacementFailure'; data: DataOf<'PlacementFailed'> }
  | { type: 'RecordServiceOutcome'; event: Extract<GraphEvent, { type: ServiceOutcomeType }> }
  /**
   * An alert of the service fired or resolved. Fired, it installs a service waiting for one (once); a service
   * waiting for ALL its events records which of them fire, and is installed once all do. Else nothing happens.
   */
  | { type: 'TriggerService'; data: DataOf<'ServiceTriggered'> & { status: 'firing' | 'resolved'; fingerprint: string | null; startsAt: string | null } }
  | { type: 'RecordPlacementProposal'; data: DataOf<'PlacementProposed'> }
  /**
   * `overbooked`: what of the proposal's placement does not fit the clusters as they are now (the
   * caller checks the inventory, the graph's own demand given back): any entry refuses the approval.
   */
  | { type: 'ApprovePlacementProposal'; data: { graphId: string; proposalId: string; now: string; overbooked: CapacityShortfall[] } }
  | { type: 'RejectPlacementProposal'; data: { graphId: string; proposalId: string; reason: string } }
  /** `now`: when the failure was recorded; a pending proposal expired by then no longer blocks a new one. */
  | { type: 'ProposeClusterProvisioning'; data: DataOf<'ClusterProvisioningProposed'>; now?: string }
  /** The proposal is approved, with the cluster id (`smoId`) to ask NFVCL for: recorded before NFVCL is asked, so a second approval is refused. */
  | { type: 'ApproveClusterProvisioning'; data: { graphId: string; proposalId: string; smoId: string; now: string } }
  /** NFVCL refused or failed to build the approved cluster: the proposal can be approved again. */
  | { type: 'RecordClusterApprovalFailure'; data: DataOf<'ClusterProvisioningApprovalFailed'> }
  /** The cluster of a failed approval was built after all: the proposal, pending again since, is approved with it. */
  | { type: 'RestoreClusterApproval'; data: DataOf<'ClusterProvisioningApprovalRestored'> }
  | { type: 'RejectClusterProvisioning'; data: DataOf<'ClusterProvisioningRejected'> }
  | { type: 'RecordScaling'; event: Extract<GraphEvent, { type: 'ServiceScaled' | 'ServiceScalingFailed' }> }
  /** No replica count serves a cluster's demand: recorded once per cause, with the re-placement it asks for (`requestId`) in the same append. */
  | { type: 'RecordScalingInfeasible'; data: DataOf<'ScalingInfeasible'>; requestId: string };

export type ServiceOutcomeType =
  | 'ServicePending'
  | 'ServiceDeployed'
  | 'ServiceDeploymentFailed'
  | 'ServiceUninstalled'
  | 'ServiceUninstallFailed'
  | 'HelmReleaseRecovered'
  | 'DashboardPublished'
  | 'DashboardRemoved'
  | 'DashboardFailed'
  | 'AlertRulesRegistered'
  | 'AlertRulesRemoved'
  | 'AlertRulesFailed';
