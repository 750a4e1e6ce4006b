import { CommitScheduler } from './commit-scheduler';

/** Blocks the thread for `ms`, as a commit's fsync does. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Resolves at the next turn of the event loop. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CommitScheduler', () => {
  it('runs a commit before the rest of the turn (callbacks queued before it wait)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued callback'));
    await new CommitScheduler(5).schedule(() => order.push('commit'));
    expect(order).toEqual(['commit']);
  });

  it('waits for writes queued in the same synchronous run', async () => {
    const scheduler = new CommitScheduler(5);
    const queued: string[] = [];
    let committed: string[] = [];
    const commit = scheduler.schedule(() => (committed = [...queued]));
    queued.push('a', 'b');
    await commit;
    expect(committed).toEqual(['a', 'b']);
  });

  it('past the budget of a turn, commits wait for the turn’s end; the next turn starts a new budget', async () => {
    const scheduler = new CommitScheduler(2);
    await scheduler.schedule(() => block(3));
    const order: string[] = [];
    setImmediate(() => order.push('queued callback'));
    await scheduler.schedule(() => order.push('deferred commit'));
    expect(order).toEqual(['queued callback', 'deferred commit']);

    await nextTurn();
    setImmediate(() => order.push('next turn callback'));
    await scheduler.schedule(() => order.push('prompt commit'));
    expect(order.slice(2)).toEqual(['prompt commit']);
  });

  it('rejects with what a commit throws, and counts its time against the budget', async () => {
    const scheduler = new CommitScheduler(2);
    const failing = scheduler.schedule(() => {
      block(3);
      throw new Error('disk on fire');
    });
    await expect(failing).rejects.toThrow('disk on fire');
    const order: string[] = [];
    setImmediate(() => order.push('queued callback'));
    await scheduler.schedule(() => order.push('deferred commit'));
    expect(order).toEqual(['queued callback', 'deferred commit']);
  });
});
