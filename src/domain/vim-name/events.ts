import { deterministicId } from '../../shared/deterministic-id';
import { eventGuard } from '../event-schema';

/**
 * A VIM name held by one registration while it asks NFVCL (whose request carries the VIM password,
 * which no event may hold, so the registering request makes the call itself). One stream per name,
 * appended with the revision read: of concurrent registrations of a name, on any SMO instances,
 * exactly one holds it.
 */
export interface VimNameReserved {
  type: 'VimNameReserved';
  data: {
    name: string;
    /** The registering request (random per request): only it calls NFVCL. */
    holder: string;
    /** The request's command id (Idempotency-Key): a retry of it waits for the holder's outcome. */
    commandId: string;
    reservedAt: string;
    /** After this a reservation whose holder never released it (a crashed instance) no longer holds. */
    expiresAt: string;
  };
}

export interface VimNameReleased {
  type: 'VimNameReleased';
  /** `vimId`: the VIM the registration recorded, null when it failed. */
  data: { name: string; holder: string; vimId: number | null };
}

export type VimNameEvent = VimNameReserved | VimNameReleased;

/** Every VIM-name event type (exhaustive) and the stream's guard. */
export const VIM_NAME_EVENT_TYPES: Record<VimNameEvent['type'], true> = { VimNameReserved: true, VimNameReleased: true };
export const isVimNameEvent = eventGuard<VimNameEvent>(VIM_NAME_EVENT_TYPES);

export const VIM_NAME_CATEGORY = 'vimname';

/** Names are free text: the stream id carries a digest of the name. */
export function vimNameStream(name: string): string {
  return `${VIM_NAME_CATEGORY}-${deterministicId('vim-name', name)}`;
}
