/**
 * A VIM (an OpenStack region NFVCL deploys on) as SMO registered it. The password went to NFVCL
 * in the registration request and is in no event: there is no field for it.
 */
import { eventGuard } from '../event-schema';

/** A network of the VIM: an object when registered through SMO, a name when found in NFVCL's topology. */
export type VimNetwork = { name: string; cidr: string; gateway: string } | string;

export interface VimRegistered {
  type: 'VimRegistered';
  data: {
    /** Upstream's integer `id` (`/vims/smo_vims/<id>`): allocated in order, never reused. */
    vimId: number;
    name: string;
    popArea: number | null;
    url: string | null;
    vimType: string;
    networks: VimNetwork[];
    mgmtNetwork: string | null;
    serviceNetwork: string | null;
    useFloatingIp: boolean;
    /** The NFVCL topology it was registered into (null when found by a sync). */
    topology: string | null;
    tenantName: string | null;
    user: string | null;
    source: 'api' | 'nfvcl-sync';
    /** NFVCL's answer, scrubbed of secrets (null when found by a sync). */
    nfvclResponse: unknown;
  };
}

export interface VimRemoved {
  type: 'VimRemoved';
  data: { vimId: number; name: string; nfvclResponse: unknown };
}

export type VimEvent = VimRegistered | VimRemoved;

/** Every VimEvent type: the stream's guard. */
export const VIM_EVENT_TYPES: Record<VimEvent['type'], true> = { VimRegistered: true, VimRemoved: true };
export const isVimEvent = eventGuard<VimEvent>(VIM_EVENT_TYPES);

export const VIM_CATEGORY = 'vim';

export function vimStream(vimId: number): string {
  return `${VIM_CATEGORY}-${vimId}`;
}
