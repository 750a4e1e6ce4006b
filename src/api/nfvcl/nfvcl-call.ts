import { HttpStatus } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import { RequestNfvclCall } from '../../app/cqrs';
import type { CommandContext } from '../../application/command-handler';
import { nfvclCallIdOf, type NfvclCalls } from '../../application/nfvcl-calls';
import type { NfvclCallAnswered, NfvclCallFailed, NfvclOperation } from '../../domain/nfvcl-call/events';
import type { Runtime } from '../../app/runtime';
import { NFVCL_CALLS_PROCESSOR } from '../../processors/nfvcl-calls.processor';
import type { ProcessingHost } from '../../processing/processing-host';
import { sleep } from '../../shared/retry';
import { ProblemException } from '../problem';
import { nfvclProblem, nfvclWaitMs } from './nfvcl-problem';

/** Waiting for something another request or instance is doing: looks 20 ms apart at first, doubling up to 250 ms. */
export const FIRST_LOOK_MS = 20;
export const LONGEST_LOOK_MS = 250;

export interface NfvclCallDeps {
  commandBus: CommandBus;
  calls: NfvclCalls;
  processing: Pick<ProcessingHost, 'whenProcessed'>;
  waitMs: number;
}

export function nfvclCallDeps(runtime: Runtime, commandBus: CommandBus): NfvclCallDeps {
  return { commandBus, calls: runtime.nfvclCalls, processing: runtime.processing, waitMs: nfvclWaitMs(runtime) };
}

/** The NFVCL operation of one kind. */
export type OperationOf<K extends NfvclOperation['kind']> = Extract<NfvclOperation, { kind: K }>;

/**
 * The operation this request asks for: the one an earlier request with the same command id
 * (Idempotency-Key) asked for, else `fresh()`. 409 when the key was used for another kind of
 * operation, or on another target than `sameTarget` accepts: a retry follows its first call, and
 * a key never stands for two calls.
 */
export async function requestedOperation<K extends NfvclOperation['kind']>(
  calls: NfvclCalls,
  context: CommandContext,
  kind: K,
  sameTarget: (earlier: OperationOf<K>) => boolean,
  fresh: () => Promise<OperationOf<K>>,
): Promise<OperationOf<K>> {
  const state = await calls.load(nfvclCallIdOf(context.commandId));
  if (state.kind === 'none') return fresh();
  const earlier = state.operation;
  if (!isOfKind(earlier, kind) || !sameTarget(earlier)) throw ProblemException.of(HttpStatus.CONFLICT, 'This Idempotency-Key was used for another request');
  return earlier;
}

function isOfKind<K extends NfvclOperation['kind']>(operation: NfvclOperation, kind: K): operation is OperationOf<K> {
  return operation.kind === kind;
}

/**
 * Records the intent (once per command id, whichever SMO instance gets the request), then waits,
 * bounded, for the NFVCL calls processor's outcome. The processor records the outcome while it
 * handles the request, so once it has processed the request's position the call's stream (a few
 * events) holds the outcome: the processing host's awaiter wakes this route on that, at once when
 * the processor runs here, from its stored checkpoint when another instance owns it. Each wait is
 * bounded by a growing look (fallback: the stream is re-read even if no runner here reports, e.g.
 * a parked request). A failure becomes a problem: NFVCL unreachable → 503, no answer in time →
 * 504, an error answer or an unreadable one → 502, SMO's rules → 404/409.
 */
export async function askNfvcl(deps: NfvclCallDeps, operation: NfvclOperation, context: CommandContext, prefix = ''): Promise<NfvclCallAnswered['data']> {
  const callId = nfvclCallIdOf(context.commandId);
  const requested = await deps.commandBus.execute(new RequestNfvclCall({ data: { callId, operation } }, context));
  const requestPosition = requested.position ?? 0;
  const deadline = Date.now() + deps.waitMs;
  let awaiterSpent = false;
  for (let look = FIRST_LOOK_MS; ; look = Math.min(look * 2, LONGEST_LOOK_MS)) {
    const state = await deps.calls.load(callId);
    if (state.kind === 'answered') {
      if (state.outcome.type === 'NfvclCallFailed') throw problemOf(state.outcome.data, prefix);
      return state.outcome.data;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw ProblemException.of(HttpStatus.GATEWAY_TIMEOUT, 'NFVCL has not answered yet; the request is recorded: repeat it with the same Idempotency-Key to follow it', { call: callId });
    }
    if (awaiterSpent) {
      await sleep(Math.min(look, left));
      continue;
    }
    // Resolves once the processor (here or, by its checkpoint, elsewhere) is past the request; rejects after the look.
    awaiterSpent = await deps.processing
      .whenProcessed(requestPosition, { names: [NFVCL_CALLS_PROCESSOR], includeProcessors: true, timeoutMs: Math.max(1, Math.min(LONGEST_LOOK_MS * 4, left)) })
      .then(
        () => true,
        () => false,
      );
  }
}

function problemOf(failure: NfvclCallFailed['data'], prefix: string): ProblemException {
  switch (failure.kind) {
    case 'not-found':
      return ProblemException.of(HttpStatus.NOT_FOUND, failure.detail);
    case 'conflict':
      return ProblemException.of(HttpStatus.CONFLICT, failure.detail);
    default:
      return nfvclProblem({ kind: failure.kind, status: failure.status, message: failure.detail }, prefix);
  }
}
