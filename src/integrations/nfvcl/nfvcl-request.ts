/**
 * One HTTP exchange with NFVCL (the shared JSON client: timeout, no redirects, capped answer).
 * Errors are NfvclError whose messages hold neither the request body nor a secret.
 */
import { jsonHttp } from '../../shared/json-http';
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
const ERROR_KIND = { redirect: 'invalid-answer', 'too-large': 'invalid-answer', timeout: 'timeout', cancelled: 'unreachable', unreachable: 'unreachable' } as const;

/** Sends the request; any HTTP status comes back as a response, transport problems as NfvclError. */
export async function nfvclRequest(request: NfvclRequest): Promise<NfvclResponse> {
  const outcome = await jsonHttp({ ...request, peer: 'NFVCL', maxResponseBytes: MAX_RESPONSE_BYTES });
  if (outcome.answered) return { status: outcome.status, body: outcome.body };
  throw new NfvclError(ERROR_KIND[outcome.failure], outcome.status, redactText(outcome.message, request.secrets).slice(0, MAX_MESSAGE_LENGTH));
}

/** The error NFVCL answered, in words: its `detail` (a string, or FastAPI's list of `{loc, msg}` without `input`), or its `error`. */
export function refusal(request: Pick<NfvclRequest, 'method' | 'url' | 'secrets'>, response: NfvclResponse): NfvclError {
  const path = new URL(request.url).pathname;
  const detail = detailOf(response.body);
  const message = `NFVCL answered ${request.method} ${path} with ${response.status}${detail ? `: ${detail}` : ''}`;
  return new NfvclError('refused', response.status, redactText(message, request.secrets).slice(0, MAX_MESSAGE_LENGTH));
}

function detailOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { detail, error } = body as Record<string, unknown>;
  if (typeof detail === 'string') return detail;
  // Current NFVCL's answer to an exception of its own (ExceptionMiddleware): {"error": str(e), "status_code": 500}.
  if (detail === undefined && typeof error === 'string') return error;
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
