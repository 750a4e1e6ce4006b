import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger';
import { PROBLEM_CONTENT_TYPE, ProblemException, titleOf, type ProblemDetails } from './problem';

/**
 * Turns every error into `application/problem+json`. Errors SMO did not anticipate become a
 * 500 whose body says nothing about internals; the details go to the log with the correlation id.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = { ...toProblem(exception, this.logger), instance: request.url };
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }
}

export function toProblem(exception: unknown, logger: Logger): ProblemDetails {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
    return { type: 'about:blank', title: titleOf(status), status, detail };
  }
  const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Fastify's own client errors (body too large, bad JSON, unsupported media type).
    return { type: 'about:blank', title: titleOf(fastifyStatus), status: fastifyStatus, detail: (exception as Error).message };
  }
  logger.error({ err: exception }, 'unhandled error');
  return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred; see the server log.' };
}
