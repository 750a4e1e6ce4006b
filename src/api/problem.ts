import { HttpException, type HttpStatus } from '@nestjs/common';
import { titleOf, type ProblemDetails } from '../shared/problem-details';

export { PROBLEM_CONTENT_TYPE, titleOf, type Problem, type ProblemDetails } from '../shared/problem-details';

/** An HTTP error whose body is problem details; throw it from controllers and services. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDetails) {
    super(problem, problem.status);
  }

  static of(status: HttpStatus, detail: string, extra: Record<string, unknown> = {}): ProblemException {
    return new ProblemException({ type: 'about:blank', title: titleOf(status), status, detail, ...extra });
  }
}
