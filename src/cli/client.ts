import { redactUserinfo } from '../shared/redact-userinfo';

/** A small client for SMO's REST API, used by the `smo` command. */
export class SmoClient {
  /** `token`: an API token of SMO_API_TOKENS, sent as a bearer token; `urlFrom`: where `baseUrl` came from, for what to say when nothing answers there. */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
    private readonly urlFrom?: 'option' | 'env' | 'default',
  ) {}

  /** The server's URL as it may be shown: without a user name or password in it (`http://***@host/`). */
  get displayUrl(): string {
    return redactUserinfo(this.baseUrl);
  }

  /**
   * The URL of an API path (`/graphs/x`, or a `next` link the server sent): under the server URL's own
   * path, so an SMO served behind a proxy at `https://host/smo/` is reached there, not at the host's root.
   */
  url(path: string): URL {
    const base = new URL(this.baseUrl);
    // fetch refuses such a URL, and SMO reads no user or password: its API takes a bearer token.
    if (base.username || base.password) {
      throw new CliError(`the URL ${this.urlFrom === 'env' ? 'SMO_URL' : '--server'} gives (${this.displayUrl}) carries a user or password, which SMO does not read: give the API token with --token or SMO_TOKEN`);
    }
    return new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
  }

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
    const url = this.url(path);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await response.text();
    if (response.status >= 400) throw refusal(method, path, response, text);
    const parsed = text.length > 0 && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /**
   * What to say when the server cannot be reached (the URL without its credentials). "set --server" was said to a user
   * who had set it: the advice depends on where the URL came from.
   */
  unreachable(error: unknown): CliError {
    const advice =
      this.urlFrom === 'default'
        ? 'the default URL: is SMO running? If it runs elsewhere, give its URL with --server or SMO_URL'
        : `${this.urlFrom === 'option' ? 'the URL --server gives' : this.urlFrom === 'env' ? 'the URL SMO_URL gives' : 'the URL given'}: is SMO running there, and is the URL right?`;
    return new CliError(`Cannot reach SMO at ${this.displayUrl} (${redactUserinfo(causeOf(error))}), ${advice}`);
  }
}

/** The target of an answer's `Link: <…>; rel="next"` (RFC 8288), or null when it has none. */
export function nextLink(headers: Headers): string | null {
  return /<([^>]+)>\s*;\s*rel="?next"?/.exec(headers.get('link') ?? '')?.[1] ?? null;
}

/**
 * The error of an answer >= 400, as every command prints it: `<method> <path> failed with <status>: ` and problemText.
 */
export function refusal(method: string, path: string, response: Pick<Response, 'status' | 'headers'>, text: string): CliError {
  return new CliError(`${method} ${path} failed with ${response.status}: ${problemText(response, text)}`);
}

/** What an answer >= 400 says: the problem's detail (or title) and its field errors, or the text of a body that is no problem+json; and what to do on a 401. */
export function problemText(response: Pick<Response, 'status' | 'headers'>, text: string): string {
  type Problem = { detail?: unknown; title?: unknown; errors?: Array<{ pointer?: string; message?: string }> };
  let problem: Problem | null = null;
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) problem = parsed as Problem;
    } catch {
      // Not JSON after all: the text is shown as it is.
    }
  }
  const detail = problem ? String(problem.detail ?? problem.title ?? text) : text.trim();
  const listed = problem && Array.isArray(problem.errors) ? problem.errors : [];
  // A single error is most often the detail itself (`/hdaGraph/id: must be…`): said once, not again below it.
  const said = listed.length === 1 && typeof listed[0]?.message === 'string' && listed[0].message !== '' && detail.includes(listed[0].message);
  const errors = said ? '' : listed.map((e) => `\n  ${e.pointer || '(body)'}: ${e.message ?? ''}`).join('');
  const hint = response.status === 401 ? ' (send a token with --token or SMO_TOKEN)' : '';
  return `${detail}${errors}${hint}`;
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
