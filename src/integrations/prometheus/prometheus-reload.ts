import { describeFetchFailure } from '../../shared/fetch-failure';

export interface ReloadResult {
  reloaded: boolean;
  error?: string;
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
    const text = (await response.text()).trim().slice(0, 300);
    if (response.ok) return { reloaded: true };
    return { reloaded: false, error: `POST /-/reload answered HTTP ${response.status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    return { reloaded: false, error: `POST /-/reload: ${describeFetchFailure(error, timeoutMs)}` };
  }
}
