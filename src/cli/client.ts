/** A small client for SMO's REST API, used by the `smo` command. */
export class SmoClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
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
      const detail = typeof parsed === 'object' && parsed ? ((parsed as { detail?: string; title?: string }).detail ?? (parsed as { title?: string }).title) : parsed;
      throw new CliError(`${method} ${path} failed with ${response.status}: ${String(detail)}`);
    }
    return { status: response.status, body: parsed as T };
  }
}

export class CliError extends Error {
  override readonly name = 'CliError';
}
