import type { RecordedEvent } from './event-store';
import { RecentEvents } from './recent-events';

function committed(position: number, type = 'Happened', streamId = 'graph-g'): { position: number; decode: () => RecordedEvent } {
  return {
    position,
    decode: () => ({ id: `e${position}`, type, streamId, revision: position, position, data: { n: position }, metadata: {}, created: '2026-12-05T00:00:00.000Z' }),
  };
}
const positions = (events: RecordedEvent[] | null) => events?.map((event) => event.position) ?? null;

describe('RecentEvents', () => {
  it('serves the events after a held position up to the head, in order and within the limit', () => {
    const recent = new RecentEvents(10);
    recent.add([committed(5), committed(6), committed(7)]);
    expect(positions(recent.pageAfter(4, 10, undefined, 7))).toEqual([5, 6, 7]);
    expect(positions(recent.pageAfter(5, 10, undefined, 7))).toEqual([6, 7]);
    expect(positions(recent.pageAfter(5, 1, undefined, 7))).toEqual([6]);
    expect(positions(recent.pageAfter(7, 10, undefined, 7))).toEqual([]);
  });

  it('answers null (read the store) for a position before what it holds, or when the head is past it', () => {
    const recent = new RecentEvents(10);
    recent.add([committed(5), committed(6)]);
    expect(recent.pageAfter(3, 10, undefined, 6)).toBeNull();
    // Another process appended position 7: only the store has it.
    expect(recent.pageAfter(5, 10, undefined, 7)).toBeNull();
    expect(new RecentEvents(10).pageAfter(0, 10, undefined, 0)).toBeNull();
  });

  it('starts over at a gap: events another process committed in between are never skipped', () => {
    const recent = new RecentEvents(10);
    recent.add([committed(5), committed(6)]);
    recent.add([committed(9)]);
    expect(recent.pageAfter(6, 10, undefined, 9)).toBeNull();
    expect(positions(recent.pageAfter(8, 10, undefined, 9))).toEqual([9]);
  });

  it('keeps only the latest `capacity` events', () => {
    const recent = new RecentEvents(3);
    recent.add([1, 2, 3, 4, 5].map((position) => committed(position)));
    expect(recent.pageAfter(1, 10, undefined, 5)).toBeNull();
    expect(positions(recent.pageAfter(2, 10, undefined, 5))).toEqual([3, 4, 5]);
  });

  it('filters by type and category as the store does, and shares one frozen decoded copy', () => {
    const recent = new RecentEvents(10);
    recent.add([committed(1, 'Keep'), committed(2, 'Skip'), committed(3, 'Keep', 'other-x'), committed(4, 'Keep')]);
    expect(positions(recent.pageAfter(0, 10, { eventTypes: ['Keep'], streamCategories: ['graph'] }, 4))).toEqual([1, 4]);
    expect(positions(recent.pageAfter(0, 1, { eventTypes: ['Keep'] }, 4))).toEqual([1]);
    const [first] = recent.pageAfter(0, 1, undefined, 4)!;
    expect(recent.pageAfter(0, 1, undefined, 4)![0]).toBe(first);
    expect(Object.isFrozen(first!.data)).toBe(true);
  });
});
