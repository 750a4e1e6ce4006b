import { HttpStatus } from '@nestjs/common';
import type { Runtime } from '../../app/runtime';
import { NfvclError, type NfvclPort } from '../../integrations/nfvcl/nfvcl.port';
import { ProblemException } from '../problem';

/** The NFVCL client, or 503 when NFVCL_BASE_URL is not set. */
export function requireNfvcl(runtime: Runtime): NfvclPort {
  const nfvcl = runtime.integrations.nfvcl;
  if (!nfvcl) throw ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, 'NFVCL is not configured', { hint: 'set NFVCL_BASE_URL' });
  return nfvcl;
}

/**
 * How long a route waits for the NFVCL calls processor's outcome: NFVCL's own timeout for up to
 * two requests (scale-out may try POST then PUT), and a call queued behind another.
 */
export function nfvclWaitMs(runtime: Runtime): number {
  return runtime.config.nfvcl.timeoutSeconds * 3000 + 5000;
}

/**
 * Runs an NFVCL call; its failure becomes a problem: unreachable → 503, no answer in time → 504,
 * an error answer or an unreadable one → 502. Nothing is recorded when this throws.
 */
export async function callNfvcl<T>(work: () => Promise<T>, prefix = ''): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof NfvclError)) throw error;
    throw nfvclProblem(error, prefix);
  }
}

/** NFVCL unreachable → 503, no answer in time → 504, an error answer or an unreadable one → 502. */
export function nfvclProblem(error: Pick<NfvclError, 'kind' | 'status' | 'message'>, prefix = ''): ProblemException {
  const status = error.kind === 'unreachable' ? HttpStatus.SERVICE_UNAVAILABLE : error.kind === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
  return ProblemException.of(status, `${prefix}${error.message}`, { nfvcl: { kind: error.kind, status: error.status } });
}
