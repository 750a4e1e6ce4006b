import { DomainError, type Decider } from '../decider';
import { isVimNameEvent, type VimNameEvent, type VimNameReleased, type VimNameReserved } from './events';

export type VimNameState = { kind: 'free' } | { kind: 'reserved'; holder: string; commandId: string; expiresAt: string };

export type VimNameCommand =
  | { type: 'ReserveVimName'; data: Omit<VimNameReserved['data'], 'reservedAt'> & { now: string } }
  | { type: 'ReleaseVimName'; data: VimNameReleased['data'] };

/** Another registration holds the name; `commandId` tells a retry of the same request (wait for it) from another one (409). */
export class VimNameHeldError extends DomainError {
  constructor(
    name: string,
    readonly commandId: string,
  ) {
    super('conflict', `VIM with name ${name} is being registered`);
  }
}

/** A name is held by one registration at a time, until it releases it or its reservation expires. */
export function decideVimName(command: VimNameCommand, state: VimNameState): VimNameEvent[] {
  switch (command.type) {
    case 'ReserveVimName': {
      const { now, ...data } = command.data;
      if (state.kind === 'reserved' && state.holder === data.holder) return [];
      if (state.kind === 'reserved' && state.expiresAt > now) throw new VimNameHeldError(data.name, state.commandId);
      return [{ type: 'VimNameReserved', data: { ...data, reservedAt: now } }];
    }
    case 'ReleaseVimName':
      return state.kind === 'reserved' && state.holder === command.data.holder ? [{ type: 'VimNameReleased', data: command.data }] : [];
  }
}

export function evolveVimName(state: VimNameState, event: VimNameEvent): VimNameState {
  switch (event.type) {
    case 'VimNameReserved':
      return { kind: 'reserved', holder: event.data.holder, commandId: event.data.commandId, expiresAt: event.data.expiresAt };
    case 'VimNameReleased':
      return state.kind === 'reserved' && state.holder === event.data.holder ? { kind: 'free' } : state;
  }
}

/** Version of evolveVimName and of VimNameState's shape: bump it when either changes (older snapshots are then ignored). */
export const VIM_NAME_EVOLVE_VERSION = 1;

export const vimNameDecider: Decider<VimNameCommand, VimNameEvent, VimNameState> = {
  decide: decideVimName,
  evolve: evolveVimName,
  initialState: { kind: 'free' },
  isEvent: isVimNameEvent,
  snapshotVersion: VIM_NAME_EVOLVE_VERSION,
};
