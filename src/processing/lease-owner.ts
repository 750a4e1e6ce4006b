import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** What tells this process from the others that may hold leases in the same read store. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** The PID namespace (Linux: /proc/self/ns/pid), so a pid means the same process to both sides; '' where unknown. */
  pidNamespace: string;
  /** When the process started (ms since the epoch): a later process given the same pid (a container's 1) starts later. */
  startedAt: number;
}

export function thisProcess(): ProcessIdentity {
  return { host: hostname(), pid: process.pid, pidNamespace: pidNamespace(), startedAt: Math.round(performance.timeOrigin) };
}

/**
 * A lease owner: `host:pid:random:pidNamespace:startedAt`. The random part tells apart two instances in one process
 * (tests); the rest lets a restarted instance know a lease as its dead predecessor's (isDeadPredecessor).
 */
export function leaseOwnerId(self: ProcessIdentity = thisProcess()): string {
  return [self.host, self.pid, randomUUID().slice(0, 8), self.pidNamespace, self.startedAt].join(':');
}

/**
 * Whether the lease owner is a process of this host and PID namespace that no longer runs: one whose pid is free, or
 * is now this process's (a container restarted, its process pid 1 again, an earlier start). Its leases need not be
 * waited out (SMO_LEASE_TTL after a SIGKILL): nobody renews them. Anything else (another host or namespace, a live
 * pid, an owner written otherwise) is not known to be dead, and its leases expire as before.
 */
export function isDeadPredecessor(owner: string, self: ProcessIdentity, isRunning: (pid: number) => boolean = processRuns): boolean {
  const [host, pidText, , namespace, startedText, ...rest] = owner.split(':');
  if (rest.length > 0 || host !== self.host || !self.pidNamespace || namespace !== self.pidNamespace) return false;
  const pid = Number(pidText);
  const startedAt = Number(startedText);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isFinite(startedAt)) return false;
  if (pid === self.pid) return startedAt < self.startedAt;
  return !isRunning(pid);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '';
  } catch {
    return '';
  }
}
