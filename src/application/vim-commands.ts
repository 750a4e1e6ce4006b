import type { EventStore } from '../eventstore/event-store';
import { DomainError } from '../domain/decider';
import { vimDecider, type VimCommand, type VimState } from '../domain/vim/decide';
import { vimStream, type VimEvent, type VimRegistered } from '../domain/vim/events';
import type { ReadStore } from '../readstore/read-store';
import type { VimDocument } from '../../projections/vims.projection';
import { handleCommand, readHistory, type CommandContext, type CommandResult } from './command-handler';

const ALLOCATION_ATTEMPTS = 20;

/**
 * Runs VIM commands against `vim-<id>`. Ids are upstream's integers: the next one after the
 * highest the read model knows (removed VIMs included, so an id is never reused); the stream's
 * NO_STREAM expectation guards the choice, and a conflict (a concurrent registration, or a read
 * model that lags) moves on to the next integer.
 */
export class VimCommands {
  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
  ) {}

  execute(vimId: number, command: VimCommand, context: CommandContext): Promise<CommandResult<VimEvent, VimState>> {
    return handleCommand(this.store, vimStream(vimId), vimDecider, command, context);
  }

  /** Registers a VIM under the next free integer id. */
  async register(data: Omit<VimRegistered['data'], 'vimId'>, context: CommandContext): Promise<CommandResult<VimEvent, VimState> & { vimId: number }> {
    let candidate = (await this.highestId()) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.execute(candidate, { type: 'RegisterVim', data: { vimId: candidate, ...data } }, context);
        return { ...result, vimId: candidate };
      } catch (error) {
        if (!(error instanceof DomainError && error.kind === 'conflict') || attempt >= ALLOCATION_ATTEMPTS) throw error;
        candidate = Math.max(candidate, await this.highestId()) + 1;
      }
    }
  }

  /** The VIM as its events say now, and the events a given command recorded (a repeated request). */
  async load(vimId: number, commandId?: string): Promise<{ state: VimState; events: VimEvent[]; byCommand: VimEvent[] }> {
    const history = await readHistory(this.store, vimStream(vimId));
    const event = (e: (typeof history)[number]) => ({ type: e.type, data: e.data }) as VimEvent;
    const events = history.map(event);
    const byCommand = commandId ? history.filter((e) => e.metadata.commandId === commandId).map(event) : [];
    return { state: events.reduce(vimDecider.evolve, vimDecider.initialState), events, byCommand };
  }

  private async highestId(): Promise<number> {
    const [top] = await this.readStore.find<VimDocument>('vims', { orderBy: [{ field: 'vimId', direction: 'desc' }], limit: 1 });
    return top?.doc.vimId ?? 0;
  }
}
