import { DomainError, type Decider } from '../decider';
import { isVimEvent, type VimEvent, type VimRegistered } from './events';

export type VimCommand =
  | { type: 'RegisterVim'; data: VimRegistered['data'] }
  | { type: 'RemoveVim'; data: { vimId: number; nfvclResponse: unknown } };

export type VimState =
  | { kind: 'none' }
  | { kind: 'registered'; vim: VimRegistered['data'] }
  | { kind: 'removed'; vimId: number; name: string };

export const initialVimState: VimState = { kind: 'none' };

/** A VIM id names one registration for ever: it is not reused after a removal (like upstream's autoincrement). */
export function decideVim(command: VimCommand, state: VimState): VimEvent[] {
  switch (command.type) {
    case 'RegisterVim':
      if (state.kind !== 'none') throw new DomainError('conflict', `VIM with SMO ID ${command.data.vimId} already exists`);
      return [{ type: 'VimRegistered', data: command.data }];
    case 'RemoveVim':
      if (state.kind !== 'registered') throw new DomainError('not-found', `VIM with SMO ID ${command.data.vimId} not found`);
      return [{ type: 'VimRemoved', data: { vimId: state.vim.vimId, name: state.vim.name, nfvclResponse: command.data.nfvclResponse } }];
  }
}

export function evolveVim(state: VimState, event: VimEvent): VimState {
  switch (event.type) {
    case 'VimRegistered':
      return { kind: 'registered', vim: event.data };
    case 'VimRemoved':
      return { kind: 'removed', vimId: event.data.vimId, name: event.data.name };
  }
}

export const vimDecider: Decider<VimCommand, VimEvent, VimState> = {
  decide: decideVim,
  evolve: evolveVim,
  initialState: initialVimState,
  isEvent: isVimEvent,
};
