import type { EventStore } from '../eventstore/event-store';
import { vimNameDecider } from '../domain/vim-name/decide';
import { vimNameStream } from '../domain/vim-name/events';
import { deterministicId } from '../shared/deterministic-id';
import { handleCommand, type CommandContext } from './command-handler';

/** Reservations of VIM names (`vimname-<digest>`), held by one registering request at a time. */
export class VimNames {
  constructor(private readonly store: EventStore) {}

  /** Holds `name` for `holder` until released or `expiresAt`; throws VimNameHeldError while another holds it. Answers the reservation's position. */
  async reserve(name: string, holder: string, expiresAt: Date, context: CommandContext): Promise<number> {
    const step = stepOf(context, `reserve:${holder}`);
    const result = await handleCommand(
      this.store,
      vimNameStream(name),
      vimNameDecider,
      { type: 'ReserveVimName', data: { name, holder, commandId: context.commandId, expiresAt: expiresAt.toISOString(), now: step.now.toISOString() } },
      step,
    );
    return result.position ?? 0;
  }

  async release(name: string, holder: string, vimId: number | null, context: CommandContext): Promise<void> {
    await handleCommand(this.store, vimNameStream(name), vimNameDecider, { type: 'ReleaseVimName', data: { name, holder, vimId } }, stepOf(context, `release:${holder}`));
  }
}

/** Each holder's steps are their own commands (a retried request is a new holder, not a repeat). */
function stepOf(context: CommandContext, step: string): CommandContext {
  return { ...context, commandId: deterministicId(context.commandId, step), causationId: context.commandId, now: new Date() };
}
