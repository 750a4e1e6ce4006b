import { deepFreeze } from '../shared/deep-freeze';
import { matchesFilter, type EventFilter, type RecordedEvent } from './event-store';

/** An event as committed: its row, decoded once when a subscription first asks for it. */
interface Held {
  readonly position: number;
  readonly decode: () => RecordedEvent;
  decoded?: RecordedEvent;
}

/**
 * The latest events this process committed, at consecutive positions of `$all`, for the catch-up
 * subscriptions that follow the head. Every projection and processor wakes on each append and asks
 * for the events after its checkpoint: served from here, the dozen of them share one decoded, frozen
 * copy instead of each running a read transaction and parsing the same rows.
 *
 * Holds at most `capacity` events. It answers only when it can answer exactly as the store would:
 * when it holds every event after the position asked for, up to the head of `$all` the caller read.
 * A gap (another process committed in between) starts it over; an older position is read from the store.
 */
export class RecentEvents {
  private held: Held[] = [];

  constructor(private readonly capacity: number) {}

  /** Events just committed, oldest first, at consecutive positions. */
  add(committed: ReadonlyArray<Omit<Held, 'decoded'>>): void {
    for (const event of committed) {
      const last = this.held.at(-1);
      if (last && event.position !== last.position + 1) this.held = [];
      this.held.push(event);
    }
    if (this.held.length > this.capacity) this.held = this.held.slice(this.held.length - this.capacity);
  }

  /**
   * The events after `position` that match `filter`, at most `limit`, if everything after `position`
   * up to `head` is held here; otherwise null (read the store).
   */
  pageAfter(position: number, limit: number, filter: EventFilter | undefined, head: number): RecordedEvent[] | null {
    const first = this.held[0];
    const last = this.held.at(-1);
    if (!first || !last || last.position !== head || position < first.position - 1 || position > head) return null;
    const page: RecordedEvent[] = [];
    for (let index = position - first.position + 1; index < this.held.length && page.length < limit; index++) {
      const held = this.held[index]!;
      held.decoded ??= deepFreeze(held.decode());
      if (matchesFilter(held.decoded, filter)) page.push(held.decoded);
    }
    return page;
  }
}
