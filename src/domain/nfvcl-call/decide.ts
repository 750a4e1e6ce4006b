import { DomainError, type Decider } from '../decider';
import { isNfvclCallEvent, type NfvclCallAnswered, type NfvclCallEvent, type NfvclCallFailed, type NfvclOperation } from './events';

export type NfvclCallCommand =
  | { type: 'RequestNfvclCall'; data: { callId: string; operation: NfvclOperation } }
  | { type: 'RecordNfvclAnswer'; data: NfvclCallAnswered['data'] }
  | { type: 'RecordNfvclFailure'; data: NfvclCallFailed['data'] };

export type NfvclCallState =
  | { kind: 'none' }
  | { kind: 'requested'; callId: string; operation: NfvclOperation }
  | { kind: 'answered'; callId: string; operation: NfvclOperation; outcome: NfvclCallAnswered | NfvclCallFailed };

export const initialNfvclCallState: NfvclCallState = { kind: 'none' };

/** A call is requested once and has one outcome; a late or repeated outcome changes nothing. */
export function decideNfvclCall(command: NfvclCallCommand, state: NfvclCallState): NfvclCallEvent[] {
  switch (command.type) {
    case 'RequestNfvclCall':
      if (state.kind !== 'none') throw new DomainError('conflict', `NFVCL call ${command.data.callId} was already requested`);
      return [{ type: 'NfvclCallRequested', data: command.data }];
    case 'RecordNfvclAnswer':
      return state.kind === 'requested' ? [{ type: 'NfvclCallAnswered', data: command.data }] : [];
    case 'RecordNfvclFailure':
      return state.kind === 'requested' ? [{ type: 'NfvclCallFailed', data: command.data }] : [];
  }
}

export function evolveNfvclCall(state: NfvclCallState, event: NfvclCallEvent): NfvclCallState {
  switch (event.type) {
    case 'NfvclCallRequested':
      return { kind: 'requested', ...event.data };
    case 'NfvclCallAnswered':
    case 'NfvclCallFailed':
      return state.kind === 'requested' ? { kind: 'answered', callId: state.callId, operation: state.operation, outcome: event } : state;
  }
}

export const nfvclCallDecider: Decider<NfvclCallCommand, NfvclCallEvent, NfvclCallState> = {
  decide: decideNfvclCall,
  evolve: evolveNfvclCall,
  initialState: initialNfvclCallState,
  isEvent: isNfvclCallEvent,
};
