import { titleOf, type Problem, type ProblemDetails } from '../shared/problem-details';
import { pointerOf } from '../shared/json-pointer';

/**
 * A `Problem` is one finding about a request body or descriptor: where (an RFC 6901 JSON pointer
 * into the submitted document, "" for the whole body) and what is wrong, in words a descriptor
 * author can act on.
 */
export type { Problem, ProblemDetails };
export { PROBLEM_CONTENT_TYPE } from '../shared/problem-details';

/** A location inside a document: object keys and array indexes, outermost first. */
export type DocumentPath = readonly (string | number)[];

/** RFC 6901: the pointer to a location. */
export function toPointer(path: DocumentPath): string {
  return pointerOf(path);
}

export function problemAt(path: DocumentPath, message: string): Problem {
  return { pointer: toPointer(path), message };
}

/** HTTP statuses the descriptor intake can answer with. */
export type IntakeStatus = 400 | 413 | 415;



export function toProblemDetails(status: number, problems: readonly Problem[]): ProblemDetails {
  const first = problems[0];
  const detail =
    problems.length === 1 && first !== undefined
      ? `${first.pointer || '(body)'}: ${first.message}`
      : `${problems.length} problems in the HDAG submission; see "errors"`;
  return { type: 'about:blank', title: titleOf(status), status, detail, errors: problems };
}
