import type { RecordedEvent } from '../src/eventstore/event-store';
import { VIM_CATEGORY, isVimEvent, type VimRegistered } from '../src/domain/vim/events';
import type { Projection } from '../src/processing/projection';

/**
 * The VIMs SMO registered or found in NFVCL (upstream table `vim`). A removed VIM stays as a
 * tombstone (`removed: true`) so that its integer id is never handed out again; queries skip it.
 * No password: the events have none.
 */
export interface VimDocument extends Omit<VimRegistered['data'], 'nfvclResponse'> {
  removed: boolean;
  /** The command that registered it (an idempotent repeat of the request finds it here). */
  registeredBy: string | null;
  registeredAt: string;
  updatedAt: string;
}

export const vimsProjection: Projection<VimDocument> = {
  name: 'vims',
  collection: 'vims',
  filter: { streamCategories: [VIM_CATEGORY] },
  documentIds: (event: RecordedEvent) => [event.streamId.slice(VIM_CATEGORY.length + 1)],
  evolve: (doc, event) => {
    if (!isVimEvent(event)) return doc;
    const vimEvent = event;
    switch (vimEvent.type) {
      case 'VimRegistered': {
        const { nfvclResponse: _response, ...vim } = vimEvent.data;
        const commandId = event.metadata.commandId;
        return { ...vim, removed: false, registeredBy: typeof commandId === 'string' ? commandId : null, registeredAt: event.created, updatedAt: event.created };
      }
      case 'VimRemoved':
        return doc ? { ...doc, removed: true, updatedAt: event.created } : null;
      default:
        return doc;
    }
  },
};
