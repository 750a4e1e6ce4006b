/**
 * One finding about a request body or descriptor: where (an RFC 6901 JSON pointer into the submitted
 * document, "" for the whole body) and what is wrong, in words a descriptor author can act on.
 */
export interface Problem {
  readonly pointer: string;
  readonly message: string;
}

/** A location inside a document: object keys and array indexes, outermost first. */
export type DocumentPath = readonly (string | number)[];

/** RFC 6901: "~" becomes "~0" and "/" becomes "~1" inside each reference token. */
export function toPointer(path: DocumentPath): string {
  return path.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function problemAt(path: DocumentPath, message: string): Problem {
  return { pointer: toPointer(path), message };
}

/** HTTP statuses the descriptor intake can answer with. */
export type IntakeStatus = 400 | 413 | 415;

/** RFC 9457 `application/problem+json` body; `errors` lists every problem found at once. */
export interface ProblemDetails {
  readonly type: 'about:blank';
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors: readonly Problem[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function toProblemDetails(status: number, problems: readonly Problem[]): ProblemDetails {
  const first = problems[0];
  const detail =
    problems.length === 1 && first !== undefined
      ? `${first.pointer || '(body)'}: ${first.message}`
      : `${problems.length} problems in the HDAG submission; see "errors"`;
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, errors: problems };
}
