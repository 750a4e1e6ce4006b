/** A small client for SMO's REST API, used by the `smo` command. */
export class SmoClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; text?: string; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
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
      throw new CliError(`Cannot reach SMO at ${this.baseUrl} (${error instanceof Error ? error.message : String(error)}); set SMO_URL`);
    }
    const text = await response.text();
    const parsed = text.length > 0 && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    if (response.status >= 400) {
      const problem = typeof parsed === 'object' && parsed ? (parsed as { detail?: string; title?: string; errors?: Array<{ pointer: string; message: string }> }) : null;
      const detail = problem ? (problem.detail ?? problem.title) : parsed;
      const errors = problem?.errors?.map((e) => `\n  ${e.pointer || '(body)'}: ${e.message}`).join('') ?? '';
      throw new CliError(`${method} ${path} failed with ${response.status}: ${String(detail)}${errors}`);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}

export class CliError extends Error {
  override readonly name = 'CliError';
}
