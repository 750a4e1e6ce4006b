import type { EventEnvelope, EventGuard } from './event-schema';

/**
 * A decider: the pure heart of an aggregate. `decide` turns a command into events (or throws a
 * DomainError), `evolve` folds events into state. No I/O, no clock: time and ids come in the command.
 */
export interface Decider<Command, Event extends EventEnvelope, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
  /** Tells the aggregate's events from anything else read from its stream. */
  isEvent: EventGuard<Event>;
  /**
   * Version of evolve and of the state's shape, stamped on snapshots of the state: bump it whenever
   * either changes, and older snapshots are ignored. Absent: the aggregate is never snapshotted.
   */
  snapshotVersion?: number;
}

/** A broken business rule; the HTTP layer maps `kind` to a status. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: 'not-found' | 'conflict' | 'invalid',
    message: string,
    /** Extension members of the problem answer (RFC 9457), e.g. which names clashed with whom. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
