import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactUrl, type Logger } from '../observability/logger';
import { PreconditionFailedError } from '../application/command-handler';
import { DomainError } from '../domain/decider';
import { EventStoreUnavailableError, MaxAppendSizeExceededError, WrongExpectedVersionError } from '../eventstore/errors';
import { NotLeaseHolderError, ReadModelBehindError } from '../processing/runner';
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
    sendProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

/** Answers an error as problem details: the filter's answer, also for the routes Fastify answers without Nest. */
export function sendProblem(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const problem = { ...toProblem(exception, logger), instance: redactUrl(request.url) };
  // A dependency failed or timed out (502, 504…): the operator hears why, not only the client.
  if (exception instanceof ProblemException && problem.status >= 500) {
    logger.warn({ status: problem.status, method: request.method, url: problem.instance, detail: problem.detail }, `answered ${problem.status}: ${problem.detail ?? problem.title}`);
  }
  if (exception instanceof EventStoreUnavailableError || exception instanceof ReadModelBehindError) void reply.header('retry-after', '5');
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

export function toProblem(exception: unknown, logger: Logger): ProblemDetails {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof DomainError) {
    const status = exception.kind === 'not-found' ? 404 : exception.kind === 'conflict' ? 409 : 400;
    return { type: 'about:blank', title: titleOf(status), status, detail: exception.message, ...exception.details };
  }
  if (exception instanceof PreconditionFailedError) {
    return { type: 'about:blank', title: titleOf(412), status: 412, detail: `If-Match: the graph is at revision ${exception.actual}, not ${exception.expected}.` };
  }
  if (exception instanceof EventStoreUnavailableError) {
    logger.error({ err: exception.cause ?? exception }, 'event store write failed; request refused with 503');
    return { type: 'about:blank', title: titleOf(503), status: 503, detail: `Nothing was recorded: ${exception.message}. Retry later.` };
  }
  if (exception instanceof ReadModelBehindError) {
    logger.warn({ runner: exception.runner, err: exception.message }, 'a read model is behind; request answered 503');
    return { type: 'about:blank', title: titleOf(503), status: 503, detail: `The ${exception.runner} read model has not caught up with what was recorded; what this request recorded stays recorded. Retry shortly.` };
  }
  // Work only the lease holder does (a re-drive, a rebuild), asked of an instance standing by.
  if (exception instanceof NotLeaseHolderError) return { type: 'about:blank', title: titleOf(409), status: 409, detail: exception.message };
  if (exception instanceof MaxAppendSizeExceededError) {
    // What the request asked to record is too large (e.g. a descriptor within the body limit: SMO records it with
    // its normalised copy, valuesOverwrite included twice more). The store's size figure is NaN when EventStoreDB refused.
    const size = Number.isFinite(exception.size) ? `${exception.size} bytes` : 'more';
    return { type: 'about:blank', title: titleOf(413), status: 413, detail: `Nothing was recorded: this request would record ${size}, over the event store's limit of ${exception.maxAppendSize} bytes per change (a graph records its descriptor with a normalised copy, where each valuesOverwrite counts twice more).` };
  }
  if (exception instanceof WrongExpectedVersionError) {
    return { type: 'about:blank', title: titleOf(409), status: 409, detail: 'The resource changed concurrently; read it again and retry.' };
  }
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
