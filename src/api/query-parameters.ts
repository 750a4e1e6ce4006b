import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger';
import { sendProblem } from './problem.filter';
import { ProblemException } from './problem';

/**
 * Every SMO query parameter takes one value. Given twice (`?type=A&type=B`), the parser makes it an
 * array, which the routes read as a string: `split` threw, SQLite took it as a list of bound
 * parameters (500). Refused here for every route, with 400 naming the parameter; a request without
 * a query string pays one `includes`.
 */
export function refuseRepeatedQueryParameters(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.includes('?')) return done();
    const repeated = Object.entries(request.query as Record<string, unknown>).filter(([, value]) => Array.isArray(value)).map(([name]) => name);
    if (repeated.length === 0) return done();
    const problems = repeated.map((name) => ({ pointer: `/${name}`, message: 'given more than once; give it once' }));
    sendProblem(ProblemException.of(HttpStatus.BAD_REQUEST, `query parameter ${repeated.join(', ')} given more than once`, { errors: problems }), request, reply, logger);
  });
}
