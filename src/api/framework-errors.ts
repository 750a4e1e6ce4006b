import type { Socket } from 'node:net';
import { HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../app/runtime';
import { assignCorrelationId, recordRequest } from './request-log';
import { PROBLEM_CONTENT_TYPE, ProblemException, titleOf } from './problem';
import { sendProblem } from './problem.filter';

/** Fastify's longest path parameter (its default): a longer one is answered 414 before any route runs. */
export const MAX_PATH_PARAMETER_LENGTH = 100;

/**
 * What Fastify's router refuses before any route or hook runs (a URL that is not validly
 * percent-encoded, a path parameter over MAX_PATH_PARAMETER_LENGTH), answered as problem+json
 * like every other SMO error instead of Fastify's own JSON.
 */
export function frameworkErrorAnswer(runtime: Pick<Runtime, 'logger' | 'metrics'>) {
  return (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    // No hook runs for these: the correlation id, the request line and the metric are given here.
    assignCorrelationId(request, reply);
    const problem =
      error.code === 'FST_ERR_BAD_URL'
        ? ProblemException.of(HttpStatus.BAD_REQUEST, 'The URL is not validly percent-encoded')
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? ProblemException.of(HttpStatus.URI_TOO_LONG, `A path segment is longer than ${MAX_PATH_PARAMETER_LENGTH} characters`)
          : error;
    sendProblem(problem, request, reply, runtime.logger);
    recordRequest(runtime, request, reply.statusCode, reply.elapsedTime);
  };
}

/**
 * What Node's HTTP parser refuses (an unknown method, a malformed header or Content-Length, headers
 * over the size limit, a request that took too long), answered on the socket as problem+json. No
 * request exists yet, so there is no route, correlation id or log context, and no duration: each is
 * counted (`smo_http_unparsed_requests_total`) and logged with the parser's code and the peer's
 * address. Node then closes the connection, as Fastify's default handler does.
 */
export function answerClientError(runtime: Pick<Runtime, 'logger' | 'metrics'>) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, detail] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'The request headers are too large']
          : [400, 'The request is not valid HTTP/1.1'];
    runtime.metrics.unparsedRequests.inc({ status: String(status) });
    runtime.logger.info({ status, code: error.code ?? null, remoteAddress: socket.remoteAddress ?? null }, 'request refused by the HTTP parser');
    const title = titleOf(status);
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
    socket.destroy(error);
  };
}
