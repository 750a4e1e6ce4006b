/**
 * One HTTP exchange with NFVCL: bounded by a timeout, redirects refused, the answer capped and
 * parsed. Errors are NfvclError whose messages hold neither the request body nor a secret.
 */
import { describeFetchFailure } from '../../shared/fetch-failure';
import { parseJsonBody, readCapped } from '../../shared/http-body';
import { NfvclError } from './nfvcl.port';
import { redactText } from './nfvcl-secrets';

export interface NfvclRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  timeoutMs: number;
  /** Masked in every message built from NFVCL's answer. */
  secrets: readonly string[];
  signal?: AbortSignal;
}

export interface NfvclResponse {
  status: number;
  /** Parsed JSON; undefined when the answer was empty or not JSON. */
  body: unknown;
}

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_MESSAGE_LENGTH = 300;

/** Sends the request; any HTTP status comes back as a response, transport problems as NfvclError. */
export async function nfvclRequest(request: NfvclRequest): Promise<NfvclResponse> {
  const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]) : AbortSignal.timeout(request.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const path = new URL(request.url).pathname;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      // A redirect means a wrong NFVCL_BASE_URL or a proxy's login page; following it could send the password elsewhere.
      redirect: 'manual',
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new NfvclError('invalid-answer', response.status, `NFVCL answered ${request.method} ${path} with a redirect (${response.status}); redirects are not followed`);
    }
    const text = await readCapped(response, MAX_RESPONSE_BYTES);
    if (text === null) throw new NfvclError('invalid-answer', response.status, `NFVCL's answer to ${request.method} ${path} exceeds ${MAX_RESPONSE_BYTES} bytes`);
    return { status: response.status, body: parseJsonBody(text) };
  } catch (error) {
    if (error instanceof NfvclError) throw error;
    if (request.signal?.aborted) throw new NfvclError('unreachable', null, `${request.method} ${path} to NFVCL was cancelled`);
    if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
      throw new NfvclError('timeout', null, `NFVCL did not answer ${request.method} ${path} within ${request.timeoutMs} ms`);
    }
    const reason = describeFetchFailure(error, request.timeoutMs);
    throw new NfvclError('unreachable', null, redactText(`cannot reach NFVCL (${request.method} ${path}): ${reason}`, request.secrets).slice(0, MAX_MESSAGE_LENGTH));
  }
}

/** The error NFVCL answered, in words: its `detail` (a string, or FastAPI's list of `{loc, msg}` without `input`). */
export function refusal(request: Pick<NfvclRequest, 'method' | 'url' | 'secrets'>, response: NfvclResponse): NfvclError {
  const path = new URL(request.url).pathname;
  const detail = detailOf(response.body);
  const message = `NFVCL answered ${request.method} ${path} with ${response.status}${detail ? `: ${detail}` : ''}`;
  return new NfvclError('refused', response.status, redactText(message, request.secrets).slice(0, MAX_MESSAGE_LENGTH));
}

function detailOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const detail = (body as Record<string, unknown>).detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        if (typeof item !== 'object' || item === null) return null;
        const { loc, msg } = item as { loc?: unknown; msg?: unknown };
        const where = Array.isArray(loc) ? loc.filter((part) => typeof part === 'string' || typeof part === 'number').join('.') : '';
        return typeof msg === 'string' ? (where ? `${where}: ${msg}` : msg) : null;
      })
      .filter((line): line is string => line !== null)
      .join('; ');
  }
  return null;
}


