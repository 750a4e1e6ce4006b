import { END, type EventStore } from '../eventstore/event-store';
import { nfvclCallDecider, type NfvclCallCommand, type NfvclCallState } from '../domain/nfvcl-call/decide';
import { isNfvclCallEvent, nfvclCallStream, type NfvclCallEvent, type NfvclOperation } from '../domain/nfvcl-call/events';
import { outcomeUnknown } from '../integrations/nfvcl/nfvcl.port';
import { deterministicId } from '../shared/deterministic-id';
import { handleCommand, loadDecided, type CommandContext, type CommandResult } from './command-handler';

/** Failed calls looked at for a create whose outcome is unknown: the most recent ones (a bound on the read). */
const RECENT_FAILURES = 100;

/** The call id of a request: a retried request (same command id), on any instance, finds its call. */
export function nfvclCallIdOf(commandId: string): string {
  return deterministicId('nfvcl-call', commandId);
}

/** Runs NFVCL call commands against `nfvclcall-<call id>`. */
export class NfvclCalls {
  constructor(private readonly store: EventStore) {}

  execute(command: NfvclCallCommand, context: CommandContext): Promise<CommandResult<NfvclCallEvent, NfvclCallState>> {
    return handleCommand(this.store, nfvclCallStream(command.data.callId), nfvclCallDecider, command, context);
  }

  async load(callId: string): Promise<NfvclCallState> {
    return (await loadDecided(this.store, nfvclCallStream(callId), nfvclCallDecider)).state;
  }

  /**
   * The cluster creations among the recent failed calls whose failure leaves it unknown whether NFVCL built the
   * blueprint (no answer in time, the connection lost, …): NFVCL may have a blueprint for them that no cluster has.
   */
  async createsInDoubt(): Promise<Extract<NfvclOperation, { kind: 'create-k8s' }>[]> {
    const failures = await this.store.readAll({ direction: 'backwards', fromPosition: END, maxCount: RECENT_FAILURES, filter: { eventTypes: ['NfvclCallFailed'] } });
    const inDoubt = failures.flatMap((event) => (isNfvclCallEvent(event) && event.type === 'NfvclCallFailed' && outcomeUnknown(event.data.kind, event.data.status) ? [event.data.callId] : []));
    const calls = await Promise.all(inDoubt.map((callId) => this.load(callId)));
    return calls.flatMap((call) => (call.kind === 'answered' && call.operation.kind === 'create-k8s' ? [call.operation] : []));
  }
}
