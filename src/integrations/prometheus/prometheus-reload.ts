import { describeFetchFailure } from '../../shared/fetch-failure';
import { readCapped } from '../../shared/http-body';

/** Prometheus answers a reload with a line ("failed to reload config: …"); of a bigger answer nothing is read past this. */
const MAX_RELOAD_ANSWER_BYTES = 64 * 1024;

export interface ReloadResult {
  reloaded: boolean;
  error?: string;
  /** The HTTP status Prometheus answered; absent when it did not answer. */
  status?: number;
}

/**
 * Prometheus answered that it could not load its configuration or rules (2.42: HTTP 500
 * "failed to reload config: …"); it keeps evaluating its previous ones.
 */
export function reloadRefused(result: ReloadResult): boolean {
  return !result.reloaded && result.status === 500;
}

/**
 * `POST {prometheus}/-/reload` (needs `--web.enable-lifecycle`, else 403). Never throws: a failed
 * reload leaves Prometheus on its previous rules, which the caller reports but cannot undo.
 * Prometheus 2.42 answers 500 "failed to reload config: …" when a rules file does not load.
 *
 * @param baseUrl as returned by `prometheusBaseUrl`
 */
export async function reloadPrometheus(baseUrl: string, timeoutMs: number): Promise<ReloadResult> {
  try {
    const response = await fetch(`${baseUrl}/-/reload`, {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const body = await readCapped(response, MAX_RELOAD_ANSWER_BYTES);
    if (response.ok) return { reloaded: true };
    const text = body === null ? `an answer larger than ${MAX_RELOAD_ANSWER_BYTES / 1024} KiB` : body.trim().slice(0, 300);
    return { reloaded: false, status: response.status, error: `POST /-/reload answered HTTP ${response.status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    return { reloaded: false, error: `POST /-/reload: ${describeFetchFailure(error, timeoutMs)}` };
  }
}

/** The reload's outcome as a write reports it (`RulesWriteResult`). */
export function withoutStatus(result: ReloadResult): { reloaded: boolean; error?: string } {
  return result.error === undefined ? { reloaded: result.reloaded } : { reloaded: result.reloaded, error: result.error };
}
