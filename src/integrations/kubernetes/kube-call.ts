import type { ConfigurationOptions, Observable, RequestContext } from '@kubernetes/client-node';
import { kubernetesClient } from './client';
import {
  KubeApiError,
  KubeApiInvalidResponseError,
  KubeApiStatusError,
  KubeApiTimeoutError,
  KubeApiUnreachableError,
} from './kube-errors';

export const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

export interface KubeCallOptions {
  /** Whole call, connect and body included. */
  timeoutMs: number;
  /** The caller's cancellation; its reason is rethrown unchanged. */
  signal?: AbortSignal;
  /** Overrides the generated client's choice, e.g. merge-patch instead of its default json-patch. */
  contentType?: string;
}

/**
 * Runs one client-node call with a deadline and typed errors. client-node v2 has no timeout setting:
 * a per-call middleware puts an AbortSignal on the request (undici fetch honours it), and a race
 * covers anything before the fetch (auth plugins).
 */
export async function kubeCall<T>(
  operation: string,
  options: KubeCallOptions,
  call: (config: ConfigurationOptions) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  if (options.signal?.aborted) throw options.signal.reason;

  const config: ConfigurationOptions = {
    middleware: [requestMiddleware(signal, options.contentType)],
    middlewareMergeStrategy: 'append',
  };
  try {
    return await raceAbort(call(config), signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new KubeApiTimeoutError(operation, options.timeoutMs);
    throw toKubeApiError(operation, error);
  }
}

function requestMiddleware(signal: AbortSignal, contentType: string | undefined) {
  return {
    pre(context: RequestContext): Observable<RequestContext> {
      context.setSignal(signal);
      if (contentType !== undefined) context.setHeaderParam('Content-Type', contentType);
      return new (kubernetesClient().Observable)(Promise.resolve(context));
    },
    post<R>(response: R): Observable<R> {
      return new (kubernetesClient().Observable)(Promise.resolve(response));
    },
  };
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toKubeApiError(operation: string, error: unknown): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof kubernetesClient().ApiException) {
    const status = statusBody(error.body);
    return new KubeApiStatusError(operation, error.code, status.reason, status.message);
  }
  if (error instanceof SyntaxError) return new KubeApiInvalidResponseError(operation, error.message);
  if (isNetworkFailure(error)) return new KubeApiUnreachableError(operation, error);
  throw error; // a local fault (bad kubeconfig, bug): not the server's
}

/** undici reports socket-level failures as TypeError("fetch failed") with the errno error as cause. */
function isNetworkFailure(error: unknown): boolean {
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // errno codes (ECONNREFUSED, ECONNRESET, ENOTFOUND…) and undici's; not Node's ERR_* usage errors
  return typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code.startsWith('UND_ERR'));
}

/** The body of an error answer is usually a `Status` object, as JSON text. */
function statusBody(body: unknown): { reason: string | null; message: string | null } {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { reason: null, message: body.slice(0, 200) || null };
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return { reason: null, message: null };
  const { reason, message } = parsed as { reason?: unknown; message?: unknown };
  return {
    reason: typeof reason === 'string' ? reason : null,
    message: typeof message === 'string' ? message : null,
  };
}
