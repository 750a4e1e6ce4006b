import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem';

/**
 * Every SMO query parameter takes one value. Given twice (`?type=A&type=B`), the parser makes it an
 * array, which the routes read as a string: `split` threw, SQLite took it as a list of bound
 * parameters (500). Checked for every route (create-app.ts), with 400 naming the parameter; a request
 * without a query string costs one `includes`.
 */
/** A query parameter's or request header's value refused: 400 whose detail and `errors` name it (pointer `/<name>`, as every query refusal's). */
export function parameterProblem(name: string, message: string): ProblemException {
  return ProblemException.of(HttpStatus.BAD_REQUEST, `${name} ${message}`, { errors: [{ pointer: `/${name}`, message }] });
}

export function repeatedQueryParameters(request: FastifyRequest): ProblemException | null {
  if (!request.url.includes('?')) return null;
  const repeated = Object.entries(request.query as Record<string, unknown>).filter(([, value]) => Array.isArray(value)).map(([name]) => name);
  if (repeated.length === 0) return null;
  const problems = repeated.map((name) => ({ pointer: `/${name}`, message: 'given more than once; give it once' }));
  return ProblemException.of(HttpStatus.BAD_REQUEST, `query parameter ${repeated.join(', ')} given more than once`, { errors: problems });
}
