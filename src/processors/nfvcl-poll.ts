/**
 * Following what NFVCL does after it accepted a request (a task, a blueprint): asked every poll interval until done, a
 * deadline, SMO stopping, or the cluster no longer waiting for it. Shared by the processors that follow NFVCL.
 */
import type { CommandContext } from '../application/command-handler';
import type { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import { NfvclError, type NfvclPort } from '../integrations/nfvcl/nfvcl.port';
import type { Logger } from '../observability/logger';
import { sleep } from '../shared/retry';

/** What a processor that follows NFVCL's work on a cluster needs: the cluster, NFVCL, and how often and how long to look. */
export interface NfvclFollowing {
  /** Reads the cluster's stream (is it still waiting?). */
  clusters: Pick<OsK8sClusterCommands, 'load'>;
  /** Records an outcome (the CommandBus in the app). */
  dispatch: (command: OsK8sClusterCommand, context: CommandContext) => Promise<unknown>;
  nfvcl: NfvclPort;
  logger: Logger;
  pollIntervalMs: number;
  /** How long NFVCL's work may take, from the event that asked for it (a restart does not start it again). */
  timeoutMs: number;
}

export type Poll<T> = { done: true; value: T } | { done: false };
export type PollOutcome<T> = { kind: 'done'; value: T } | { kind: 'timeout'; lastError: string | null } | { kind: 'stopped' };
/** How a task ended: NFVCL forgot it (it restarted), it failed, or it is done with a result. */
export type TaskEnd = { kind: 'lost' } | { kind: 'failed'; detail: string } | { kind: 'done'; result: unknown };

export interface PollOptions {
  deadline: number;
  signal: AbortSignal;
  pollIntervalMs: number;
  /** Read before every look: false stops the polling (the outcome was recorded, the cluster decommissioned, …). */
  stillWaiting: () => Promise<boolean>;
  /** An NFVCL error of one look (retried until the deadline). */
  onError: (message: string) => void;
}

/** Asks `check` every poll interval until it is done, the deadline passes, SMO stops, or nothing waits any more. */
export async function pollNfvcl<T>(options: PollOptions, check: () => Promise<Poll<T>>): Promise<PollOutcome<T>> {
  const { deadline, signal } = options;
  let lastError: string | null;
  for (;;) {
    if (signal.aborted || !(await options.stillWaiting())) return { kind: 'stopped' };
    try {
      const outcome = await check();
      if (outcome.done) return { kind: 'done', value: outcome.value };
      lastError = null;
    } catch (error) {
      if (!(error instanceof NfvclError)) throw error;
      if (signal.aborted) return { kind: 'stopped' };
      lastError = error.message;
      options.onError(error.message);
    }
    if (Date.now() >= deadline) return { kind: 'timeout', lastError };
    await sleep(Math.min(options.pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

/** One look at a task: running, or how it ended. */
export async function taskLook(nfvcl: NfvclPort, taskId: string, signal: AbortSignal): Promise<Poll<TaskEnd>> {
  const status = await nfvcl.taskStatus(taskId, signal);
  if (status === null) return { done: true, value: { kind: 'lost' } };
  if (!status.done) return { done: false };
  return { done: true, value: status.error ? { kind: 'failed', detail: status.exception ?? 'NFVCL reported an error' } : { kind: 'done', result: status.result } };
}

/** The deadline of something asked at `created` (an event's time), bounded by `timeoutMs`: a restart does not start it again. */
export function deadlineOf(created: string, timeoutMs: number): number {
  const at = Date.parse(created);
  return (Number.isFinite(at) ? Math.min(at, Date.now()) : Date.now()) + timeoutMs;
}

/** `<what> was not <done> within N s (last error: …)`. */
export function notDoneWithin(timeoutMs: number, what: string, lastError: string | null, done = 'ready'): string {
  const seconds = Math.round(timeoutMs / 1000);
  return `${what} was not ${done} within ${seconds} s${lastError ? ` (last error: ${lastError})` : ''}`;
}
