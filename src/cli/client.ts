/** A small client for SMO's REST API, used by the `smo` command. */
export class SmoClient {
  /** `token`: an API token of SMO_API_TOKENS, sent as a bearer token. */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** Request headers every call carries (the token, when there is one). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; text?: string; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const headers = this.headers(options.headers);
    let body: string | undefined;
    if (options.text !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/yaml';
      body = options.text;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw new CliError(`Cannot reach SMO at ${this.baseUrl} (${causeOf(error)}); set --server or SMO_URL`);
    }
    const text = await response.text();
    const parsed = text.length > 0 && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    if (response.status >= 400) {
      const problem = typeof parsed === 'object' && parsed ? (parsed as { detail?: string; title?: string; errors?: Array<{ pointer: string; message: string }> }) : null;
      const detail = problem ? (problem.detail ?? problem.title) : parsed;
      const errors = problem?.errors?.map((e) => `\n  ${e.pointer || '(body)'}: ${e.message}`).join('') ?? '';
      const hint = response.status === 401 ? ' (send a token with --token or SMO_TOKEN)' : '';
      throw new CliError(`${method} ${path} failed with ${response.status}: ${String(detail)}${errors}${hint}`);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}

/** The underlying reason of a failed fetch ("ECONNREFUSED …" rather than "fetch failed"). */
export function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : error.message;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}
