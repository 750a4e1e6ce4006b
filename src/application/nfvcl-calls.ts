import type { EventStore } from '../eventstore/event-store';
import { nfvclCallDecider, type NfvclCallCommand, type NfvclCallState } from '../domain/nfvcl-call/decide';
import { nfvclCallStream, type NfvclCallEvent } from '../domain/nfvcl-call/events';
import { deterministicId } from '../shared/deterministic-id';
import { handleCommand, loadDecided, type CommandContext, type CommandResult } from './command-handler';

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
}
