import { END, type EventStore } from '../eventstore/event-store';
import { nfvclCallDecider, type NfvclCallCommand, type NfvclCallState } from '../domain/nfvcl-call/decide';
import { isNfvclCallEvent, nfvclCallStream, type NfvclCallEvent, type NfvclOperation } from '../domain/nfvcl-call/events';
import type { NfvclBlueprint } from '../integrations/nfvcl/nfvcl.port';
import { deterministicId } from '../shared/deterministic-id';
import { handleCommand, loadDecided, type CommandContext, type CommandResult } from './command-handler';

/** Failed calls looked at for a create whose outcome is unknown: the most recent ones (a bound on the read). */
const RECENT_FAILURES = 100;

/** The call id of a request: a retried request (same command id), on any instance, finds its call. */
export function nfvclCallIdOf(commandId: string): string {
  return deterministicId('nfvcl-call', commandId);
}

export type CreateOperation = Extract<NfvclOperation, { kind: 'create-k8s' }>;

/** A cluster creation whose answer was lost, and the blueprints of its shape NFVCL had before it was sent. */
export interface CreateInDoubt {
  operation: CreateOperation;
  blueprintsBefore: ReadonlySet<string>;
}

/** Runs NFVCL call commands against `nfvclcall-<call id>`. */
export class NfvclCalls {
  /** How long a lost create stays in doubt: NFVCL_PROVISION_TIMEOUT, past which SMO would have given up on that cluster anyway. */
  private readonly inDoubtForMs: number;

  constructor(
    private readonly store: EventStore,
    options: { inDoubtForMs?: number } = {},
  ) {
    this.inDoubtForMs = options.inDoubtForMs ?? 3_600_000;
  }

  execute(command: NfvclCallCommand, context: CommandContext): Promise<CommandResult<NfvclCallEvent, NfvclCallState>> {
    return handleCommand(this.store, nfvclCallStream(command.data.callId), nfvclCallDecider, command, context);
  }

  async load(callId: string): Promise<NfvclCallState> {
    return (await loadDecided(this.store, nfvclCallStream(callId), nfvclCallDecider)).state;
  }

  /**
   * The cluster creations among the recent failed calls whose failure leaves it unknown whether NFVCL built the
   * blueprint (no answer in time, the connection lost, …), failed within NFVCL_PROVISION_TIMEOUT: NFVCL may have, or
   * still build, a blueprint for them that no cluster has. Older ones are no longer in doubt: what NFVCL built for them
   * is a blueprint like any other (the sync imports it).
   */
  async createsInDoubt(now = Date.now()): Promise<CreateInDoubt[]> {
    const failures = await this.store.readAll({ direction: 'backwards', fromPosition: END, maxCount: RECENT_FAILURES, filter: { eventTypes: ['NfvclCallFailed'] } });
    const inDoubt = failures.flatMap((event) =>
      isNfvclCallEvent(event) && event.type === 'NfvclCallFailed' && event.data.lostCreate && Date.parse(event.created) >= now - this.inDoubtForMs
        ? [{ callId: event.data.callId, blueprintsBefore: new Set(event.data.lostCreate.blueprintsBefore) }]
        : [],
    );
    const calls = await Promise.all(inDoubt.map(async ({ callId, blueprintsBefore }) => ({ call: await this.load(callId), blueprintsBefore })));
    return calls.flatMap(({ call, blueprintsBefore }) => (call.kind === 'answered' && call.operation.kind === 'create-k8s' ? [{ operation: call.operation, blueprintsBefore }] : []));
  }
}

/** NFVCL's blueprint was asked for as this cluster is (NFVCL's copy of the create request: area, networks, workers). */
export function isAskedAs(blueprint: NfvclBlueprint, operation: CreateOperation): boolean {
  const asked = blueprint.requestedMaster;
  return (
    asked !== null &&
    asked.popArea === operation.popArea &&
    asked.mgmtNetwork === operation.mgmtNetwork &&
    asked.serviceNetwork === operation.serviceNetwork &&
    asked.workerReplicas === operation.workerReplicas
  );
}

/** A blueprint NFVCL may have built for one of these lost creates: asked for as it was, and not there before it was sent. */
export function mayBeBuiltFor(blueprint: NfvclBlueprint, creates: readonly CreateInDoubt[]): boolean {
  return creates.some((create) => isAskedAs(blueprint, create.operation) && !create.blueprintsBefore.has(blueprint.id));
}
