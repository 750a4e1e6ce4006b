/**
 * The command pipeline: one @nestjs/cqrs command class and one handler per use case. Controllers
 * and the durable processors send every write through the CommandBus; a handler runs its use case
 * on the aggregate's stream (load → decide → append, see application/command-handler.ts).
 *
 * Processors compute domain commands in pure deciders (a placement decision, a helm outcome), so
 * `graphUseCaseOf` / `clusterUseCaseOf` / `osK8sClusterUseCaseOf` wrap a domain command in its
 * use-case class; the maps below are exhaustive, so a new domain command does not compile until it
 * has a use case.
 */
import { Injectable, type Type } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ClusterCommand, ClusterState } from '../domain/cluster/decide';
import type { ClusterEvent } from '../domain/cluster/events';
import type { GraphCommand } from '../domain/graph/commands';
import type { GraphEvent } from '../domain/graph/events';
import type { GraphState } from '../domain/graph/state';
import type { NfvclCallCommand, NfvclCallState } from '../domain/nfvcl-call/decide';
import type { NfvclCallEvent } from '../domain/nfvcl-call/events';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import type { OsK8sClusterEvent } from '../domain/os-k8s-cluster/events';
import type { OsK8sClusterState } from '../domain/os-k8s-cluster/state';
import type { VimState } from '../domain/vim/decide';
import type { VimEvent, VimRegistered } from '../domain/vim/events';
import { AlertLog, type ReceivedAlert } from '../application/alert-log';
import { ClusterCommands } from '../application/cluster-commands';
import type { CommandContext, CommandResult } from '../application/command-handler';
import { GraphCommands } from '../application/graph-commands';
import { NfvclCalls } from '../application/nfvcl-calls';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { VimCommands } from '../application/vim-commands';

type Payload<C extends { type: string }, T extends C['type']> = Omit<Extract<C, { type: T }>, 'type'>;

/** A use case on one aggregate: the domain command's payload and who sent it, why. */
abstract class UseCase<C extends { type: string }, T extends C['type'], R> extends Command<R> {
  abstract readonly type: T;
  constructor(
    readonly payload: Payload<C, T>,
    readonly context: CommandContext,
  ) {
    super();
  }

  /** The domain command the aggregate's decider takes. */
  get command(): Extract<C, { type: T }> {
    return { type: this.type, ...this.payload } as Extract<C, { type: T }>;
  }
}

type UseCaseClasses<C extends { type: string }, R> = { [T in C['type']]: new (payload: Payload<C, T>, context: CommandContext) => UseCase<C, T, R> };

/** Wraps a domain command in its use-case class (the map is exhaustive over the aggregate's commands). */
function wrapperOf<C extends { type: string }, R>(classes: UseCaseClasses<C, R>) {
  return (command: C, context: CommandContext): UseCase<C, C['type'], R> => {
    const { type, ...payload } = command;
    const UseCaseClass = classes[type as C['type']] as new (payload: object, context: CommandContext) => UseCase<C, C['type'], R>;
    return new UseCaseClass(payload, context);
  };
}

/** Runs a use case on its aggregate's command service; each aggregate's base says which service. */
class UseCaseHandler<C extends { type: string }, R> implements ICommandHandler<UseCase<C, C['type'], R>> {
  constructor(private readonly service: { execute(command: C, context: CommandContext): Promise<R> }) {}

  execute(useCase: UseCase<C, C['type'], R>): Promise<R> {
    return this.service.execute(useCase.command, useCase.context);
  }
}

/**
 * One handler class per use case of an aggregate (`<UseCase>Handler`), each running it through the
 * aggregate's base handler. Made from the exhaustive use-case map, so no use case lacks a handler.
 * The base is @Injectable: the handlers inherit its constructor, and Nest reads its parameter types.
 */
function handlersOf<C extends { type: string }, R>(useCases: UseCaseClasses<C, R>, Base: new (service: never) => UseCaseHandler<C, R>): Type[] {
  return (Object.values(useCases) as Array<Type<UseCase<C, C['type'], R>>>).map((useCase) => {
    const handler = class extends Base {};
    Object.defineProperty(handler, 'name', { value: `${useCase.name}Handler` });
    CommandHandler(useCase)(handler);
    return handler;
  });
}

// ---- Graphs ---------------------------------------------------------------------------------

type GraphResult = CommandResult<GraphEvent, GraphState>;
abstract class GraphUseCase<T extends GraphCommand['type']> extends UseCase<GraphCommand, T, GraphResult> {}

/** Deploy a graph (its release names reserved in the project first). */
export class SubmitGraph extends GraphUseCase<'SubmitGraph'> {
  readonly type = 'SubmitGraph';
}
export class StopGraph extends GraphUseCase<'StopGraph'> {
  readonly type = 'StopGraph';
}
export class StartGraph extends GraphUseCase<'StartGraph'> {
  readonly type = 'StartGraph';
}
/** Remove a graph (its release names freed once its last release is gone). */
export class RemoveGraph extends GraphUseCase<'RemoveGraph'> {
  readonly type = 'RemoveGraph';
}
/** Re-place a graph: at once, or as a proposal to approve. */
export class RequestReplacement extends GraphUseCase<'RequestReplacement'> {
  readonly type = 'RequestReplacement';
}
export class RetryDeployment extends GraphUseCase<'RetryDeployment'> {
  readonly type = 'RetryDeployment';
}
export class ApprovePlacementProposal extends GraphUseCase<'ApprovePlacementProposal'> {
  readonly type = 'ApprovePlacementProposal';
}
export class RejectPlacementProposal extends GraphUseCase<'RejectPlacementProposal'> {
  readonly type = 'RejectPlacementProposal';
}
/** An alert fired for an event-driven service. */
export class TriggerService extends GraphUseCase<'TriggerService'> {
  readonly type = 'TriggerService';
}
/** The placement processor's decision. */
export class RecordPlacement extends GraphUseCase<'RecordPlacement'> {
  readonly type = 'RecordPlacement';
}
export class RecordPlacementFailure extends GraphUseCase<'RecordPlacementFailure'> {
  readonly type = 'RecordPlacementFailure';
}
export class RecordPlacementProposal extends GraphUseCase<'RecordPlacementProposal'> {
  readonly type = 'RecordPlacementProposal';
}
/** A new cluster sized from the graph's capacity gap (the placement processor, when NFVCL is configured). */
export class ProposeClusterProvisioning extends GraphUseCase<'ProposeClusterProvisioning'> {
  readonly type = 'ProposeClusterProvisioning';
}
/** A pending cluster provisioning proposal turned down by an operator. */
export class RejectClusterProvisioning extends GraphUseCase<'RejectClusterProvisioning'> {
  readonly type = 'RejectClusterProvisioning';
}
/** A cluster provisioning proposal approved: NFVCL was asked for the cluster. */
export class ApproveClusterProvisioning extends GraphUseCase<'ApproveClusterProvisioning'> {
  readonly type = 'ApproveClusterProvisioning';
}
/** NFVCL did not build the approved cluster: the proposal can be approved again. */
export class RecordClusterApprovalFailure extends GraphUseCase<'RecordClusterApprovalFailure'> {
  readonly type = 'RecordClusterApprovalFailure';
}
/** The cluster of a failed approval was built after all: the proposal is approved again with it. */
export class RestoreClusterApproval extends GraphUseCase<'RestoreClusterApproval'> {
  readonly type = 'RestoreClusterApproval';
}
/** What helm, Grafana or Prometheus did for a service (deployment and alert-rule processors). */
export class RecordServiceOutcome extends GraphUseCase<'RecordServiceOutcome'> {
  readonly type = 'RecordServiceOutcome';
}
/** The autoscaler's round for a service. */
export class RecordScaling extends GraphUseCase<'RecordScaling'> {
  readonly type = 'RecordScaling';
}
/** The autoscaler found no replica count that serves a cluster's demand: recorded with the re-placement it asks for. */
export class RecordScalingInfeasible extends GraphUseCase<'RecordScalingInfeasible'> {
  readonly type = 'RecordScalingInfeasible';
}

export const GRAPH_USE_CASES: { [T in GraphCommand['type']]: new (payload: Payload<GraphCommand, T>, context: CommandContext) => GraphUseCase<T> } = {
  SubmitGraph,
  StopGraph,
  StartGraph,
  RemoveGraph,
  RequestReplacement,
  RetryDeployment,
  ApprovePlacementProposal,
  RejectPlacementProposal,
  TriggerService,
  RecordPlacement,
  RecordPlacementFailure,
  RecordPlacementProposal,
  ProposeClusterProvisioning,
  ApproveClusterProvisioning,
  RecordClusterApprovalFailure,
  RestoreClusterApproval,
  RejectClusterProvisioning,
  RecordServiceOutcome,
  RecordScaling,
  RecordScalingInfeasible,
};

export const graphUseCaseOf = wrapperOf<GraphCommand, GraphResult>(GRAPH_USE_CASES);

/** Every graph use case runs through GraphCommands, which keeps the project's release names in step. */
@Injectable()
class GraphUseCaseHandler extends UseCaseHandler<GraphCommand, GraphResult> {
  constructor(service: GraphCommands) {
    super(service);
  }
}

// ---- Karmada member clusters ----------------------------------------------------------------

type ClusterResult = CommandResult<ClusterEvent, ClusterState>;
abstract class ClusterUseCase<T extends ClusterCommand['type']> extends UseCase<ClusterCommand, T, ClusterResult> {}

export class ObserveCluster extends ClusterUseCase<'ObserveCluster'> {
  readonly type = 'ObserveCluster';
}
export class ObserveClusterGone extends ClusterUseCase<'ObserveClusterGone'> {
  readonly type = 'ObserveClusterGone';
}
export class RecordClusterDashboard extends ClusterUseCase<'RecordClusterDashboard'> {
  readonly type = 'RecordClusterDashboard';
}
export class RecordClusterDashboardRemoved extends ClusterUseCase<'RecordClusterDashboardRemoved'> {
  readonly type = 'RecordClusterDashboardRemoved';
}

export const CLUSTER_USE_CASES: { [T in ClusterCommand['type']]: new (payload: Payload<ClusterCommand, T>, context: CommandContext) => ClusterUseCase<T> } = {
  ObserveCluster,
  ObserveClusterGone,
  RecordClusterDashboard,
  RecordClusterDashboardRemoved,
};

export const clusterUseCaseOf = wrapperOf<ClusterCommand, ClusterResult>(CLUSTER_USE_CASES);

@Injectable()
class ClusterUseCaseHandler extends UseCaseHandler<ClusterCommand, ClusterResult> {
  constructor(service: ClusterCommands) {
    super(service);
  }
}

// ---- NFVCL: OpenStack Kubernetes clusters ---------------------------------------------------

type OsK8sClusterResult = CommandResult<OsK8sClusterEvent, OsK8sClusterState>;
abstract class OsK8sClusterUseCase<T extends OsK8sClusterCommand['type']> extends UseCase<OsK8sClusterCommand, T, OsK8sClusterResult> {}

export class RequestClusterProvisioning extends OsK8sClusterUseCase<'RequestClusterProvisioning'> {
  readonly type = 'RequestClusterProvisioning';
}
export class RecordClusterProvisioned extends OsK8sClusterUseCase<'RecordClusterProvisioned'> {
  readonly type = 'RecordClusterProvisioned';
}
export class RecordClusterProvisioningFailure extends OsK8sClusterUseCase<'RecordClusterProvisioningFailure'> {
  readonly type = 'RecordClusterProvisioningFailure';
}
export class ScaleOutCluster extends OsK8sClusterUseCase<'ScaleOutCluster'> {
  readonly type = 'ScaleOutCluster';
}
export class DecommissionCluster extends OsK8sClusterUseCase<'DecommissionCluster'> {
  readonly type = 'DecommissionCluster';
}
export class RecordScaleOutFailure extends OsK8sClusterUseCase<'RecordScaleOutFailure'> {
  readonly type = 'RecordScaleOutFailure';
}
export class RecordDeletionFailure extends OsK8sClusterUseCase<'RecordDeletionFailure'> {
  readonly type = 'RecordDeletionFailure';
}
export class ImportCluster extends OsK8sClusterUseCase<'ImportCluster'> {
  readonly type = 'ImportCluster';
}
export class SyncClusterState extends OsK8sClusterUseCase<'SyncClusterState'> {
  readonly type = 'SyncClusterState';
}

export const OS_K8S_CLUSTER_USE_CASES: {
  [T in OsK8sClusterCommand['type']]: new (payload: Payload<OsK8sClusterCommand, T>, context: CommandContext) => OsK8sClusterUseCase<T>;
} = {
  RequestClusterProvisioning,
  RecordClusterProvisioned,
  RecordClusterProvisioningFailure,
  ScaleOutCluster,
  DecommissionCluster,
  RecordScaleOutFailure,
  RecordDeletionFailure,
  ImportCluster,
  SyncClusterState,
};

export const osK8sClusterUseCaseOf = wrapperOf<OsK8sClusterCommand, OsK8sClusterResult>(OS_K8S_CLUSTER_USE_CASES);

@Injectable()
class OsK8sClusterUseCaseHandler extends UseCaseHandler<OsK8sClusterCommand, OsK8sClusterResult> {
  constructor(service: OsK8sClusterCommands) {
    super(service);
  }
}

// ---- NFVCL: changes asked of NFVCL (intent first, made by the NFVCL calls processor) ---------

type NfvclCallResult = CommandResult<NfvclCallEvent, NfvclCallState>;
abstract class NfvclCallUseCase<T extends NfvclCallCommand['type']> extends UseCase<NfvclCallCommand, T, NfvclCallResult> {}

export class RequestNfvclCall extends NfvclCallUseCase<'RequestNfvclCall'> {
  readonly type = 'RequestNfvclCall';
}
export class RecordNfvclAnswer extends NfvclCallUseCase<'RecordNfvclAnswer'> {
  readonly type = 'RecordNfvclAnswer';
}
export class RecordNfvclFailure extends NfvclCallUseCase<'RecordNfvclFailure'> {
  readonly type = 'RecordNfvclFailure';
}

export const NFVCL_CALL_USE_CASES: { [T in NfvclCallCommand['type']]: new (payload: Payload<NfvclCallCommand, T>, context: CommandContext) => NfvclCallUseCase<T> } = {
  RequestNfvclCall,
  RecordNfvclAnswer,
  RecordNfvclFailure,
};

export const nfvclCallUseCaseOf = wrapperOf<NfvclCallCommand, NfvclCallResult>(NFVCL_CALL_USE_CASES);

@Injectable()
class NfvclCallUseCaseHandler extends UseCaseHandler<NfvclCallCommand, NfvclCallResult> {
  constructor(service: NfvclCalls) {
    super(service);
  }
}

// ---- NFVCL: VIMs ----------------------------------------------------------------------------

type VimResult = CommandResult<VimEvent, VimState>;

/** Register a VIM under the next free integer id. */
export class RegisterVim extends Command<VimResult & { vimId: number }> {
  constructor(
    readonly data: Omit<VimRegistered['data'], 'vimId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RemoveVim extends Command<VimResult> {
  constructor(
    readonly data: { vimId: number; nfvclResponse: unknown },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterVim)
export class RegisterVimHandler implements ICommandHandler<RegisterVim> {
  constructor(private readonly vims: VimCommands) {}

  execute({ data, context }: RegisterVim) {
    return this.vims.register(data, context);
  }
}

@CommandHandler(RemoveVim)
export class RemoveVimHandler implements ICommandHandler<RemoveVim> {
  constructor(private readonly vims: VimCommands) {}

  execute({ data, context }: RemoveVim) {
    return this.vims.execute(data.vimId, { type: 'RemoveVim', data }, context);
  }
}

// ---- Alerts from Alertmanager ---------------------------------------------------------------

/** Record the alerts of one webhook call (the conditional deployment processor acts on them). */
export class RecordAlerts extends Command<{ position: number | null }> {
  constructor(
    readonly alerts: readonly ReceivedAlert[],
    readonly context: { correlationId: string; actor: string; now: Date },
  ) {
    super();
  }
}

@CommandHandler(RecordAlerts)
export class RecordAlertsHandler implements ICommandHandler<RecordAlerts> {
  constructor(private readonly log: AlertLog) {}

  execute({ alerts, context }: RecordAlerts) {
    return this.log.record(alerts, context);
  }
}

/** Every handler, for the module's providers. */
export const COMMAND_HANDLERS = [
  ...handlersOf(GRAPH_USE_CASES, GraphUseCaseHandler),
  ...handlersOf(CLUSTER_USE_CASES, ClusterUseCaseHandler),
  ...handlersOf(OS_K8S_CLUSTER_USE_CASES, OsK8sClusterUseCaseHandler),
  ...handlersOf(NFVCL_CALL_USE_CASES, NfvclCallUseCaseHandler),
  RegisterVimHandler,
  RemoveVimHandler,
  RecordAlertsHandler,
];
