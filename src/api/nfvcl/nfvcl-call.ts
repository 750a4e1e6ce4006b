import { HttpStatus } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import { RequestNfvclCall } from '../../app/cqrs';
import type { CommandContext } from '../../application/command-handler';
import { nfvclCallIdOf, type NfvclCalls } from '../../application/nfvcl-calls';
import type { NfvclCallAnswered, NfvclCallFailed, NfvclOperation } from '../../domain/nfvcl-call/events';
import { sleep } from '../../shared/retry';
import { ProblemException } from '../problem';
import { nfvclProblem } from './nfvcl-problem';

const FIRST_LOOK_MS = 20;
const LONGEST_LOOK_MS = 250;

/** The operation an earlier request with the same command id (Idempotency-Key) asked for, if any. */
export async function earlierOperation(calls: NfvclCalls, context: CommandContext): Promise<NfvclOperation | null> {
  const state = await calls.load(nfvclCallIdOf(context.commandId));
  return state.kind === 'none' ? null : state.operation;
}

/**
 * Records the intent (once per command id, whichever SMO instance gets the request), then waits,
 * bounded, for the NFVCL calls processor's outcome — which may run on another instance, so the
 * call's stream is read, a few events long. A failure becomes a problem: NFVCL unreachable → 503,
 * no answer in time → 504, an error answer or an unreadable one → 502, SMO's rules → 404/409.
 */
export async function askNfvcl(
  deps: { commandBus: CommandBus; calls: NfvclCalls; waitMs: number },
  operation: NfvclOperation,
  context: CommandContext,
  prefix = '',
): Promise<NfvclCallAnswered['data']> {
  const callId = nfvclCallIdOf(context.commandId);
  await deps.commandBus.execute(new RequestNfvclCall({ data: { callId, operation } }, context));
  const deadline = Date.now() + deps.waitMs;
  for (let look = FIRST_LOOK_MS; ; look = Math.min(look * 2, LONGEST_LOOK_MS)) {
    const state = await deps.calls.load(callId);
    if (state.kind === 'answered') {
      if (state.outcome.type === 'NfvclCallFailed') throw problemOf(state.outcome.data, prefix);
      return state.outcome.data;
    }
    if (Date.now() >= deadline) {
      throw ProblemException.of(HttpStatus.GATEWAY_TIMEOUT, 'NFVCL has not answered yet; the request is recorded: repeat it with the same Idempotency-Key to follow it', { call: callId });
    }
    await sleep(Math.min(look, Math.max(1, deadline - Date.now())));
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
