import { isDeadPredecessor, leaseOwnerId, thisProcess, type ProcessIdentity } from './lease-owner';

describe('lease owners: a dead predecessor on this host', () => {
  const self: ProcessIdentity = { host: 'smo-0', pid: 1, pidNamespace: '4026532245', startedAt: 1_000_000 };
  const owner = (over: Partial<ProcessIdentity>) => leaseOwnerId({ ...self, ...over });
  const running = (pids: number[]) => (pid: number) => pids.includes(pid);

  it('is the process this one replaced under the same pid (a container restarted: pid 1 again, started earlier)', () => {
    expect(isDeadPredecessor(owner({ startedAt: 900_000 }), self, running([1]))).toBe(true);
    // The same start: another instance in this very process (tests), alive.
    expect(isDeadPredecessor(owner({}), self, running([1]))).toBe(false);
  });

  it('is a process of this host and PID namespace whose pid no longer runs, and not one that runs', () => {
    expect(isDeadPredecessor(owner({ pid: 4242 }), self, running([1]))).toBe(true);
    expect(isDeadPredecessor(owner({ pid: 4242 }), self, running([1, 4242]))).toBe(false);
  });

  it('is never a process of another host or PID namespace, nor an owner it cannot read, nor any when its own namespace is unknown', () => {
    expect(isDeadPredecessor(owner({ pid: 4242, host: 'smo-1' }), self, running([]))).toBe(false);
    // Two containers on one host network share the hostname, not the PID namespace: each has its own pid 1.
    expect(isDeadPredecessor(owner({ pidNamespace: '4026532999', startedAt: 900_000 }), self, running([]))).toBe(false);
    for (const written of ['smo-0:4242:abcd1234', 'holder', 'smo-0:x:abcd1234:4026532245:1', 'smo-0:4242:abcd1234:4026532245:1:extra']) {
      expect(isDeadPredecessor(written, self, running([]))).toBe(false);
    }
    expect(isDeadPredecessor(owner({ pid: 4242, pidNamespace: '' }), { ...self, pidNamespace: '' }, running([]))).toBe(false);
  });

  it('reads this process as it is: a live pid, and its own owner is no predecessor', () => {
    const me = thisProcess();
    expect(me.pid).toBe(process.pid);
    expect(isDeadPredecessor(leaseOwnerId(me), me)).toBe(false);
    expect(isDeadPredecessor(leaseOwnerId({ ...me, pid: process.ppid }), me)).toBe(false);
  });
});
