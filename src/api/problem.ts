import { HttpException, HttpStatus } from '@nestjs/common';

/** One problem in a request, located by an RFC 6901 JSON pointer. */
export interface ProblemItem {
  pointer: string;
  message: string;
}

/** RFC 9457 problem details, SMO's body for every error. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemItem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An HTTP error whose body is problem details; throw it from controllers and services. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDetails) {
    super(problem, problem.status);
  }

  static of(status: HttpStatus, detail: string, extra: Partial<ProblemDetails> = {}): ProblemException {
    return new ProblemException({ type: 'about:blank', title: titleOf(status), status, detail, ...extra });
  }
}

export function titleOf(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}
