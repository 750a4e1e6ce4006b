import { HttpStatus } from '@nestjs/common';
import { RouteConfig, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyContextConfig, FastifyRequest, RawServerDefault } from 'fastify';
import { parse as parseTolerantly, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DEFAULT_INTAKE_LIMITS, findStructureProblem, isUtf8Charset, JSON_MEDIA_TYPE, mediaTypeOf, problemAt, toProblemDetails } from '../descriptor';
import { ProblemException } from './problem';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads its body's media type itself (see ReadsOwnMediaTypes). */
    readsOwnMediaTypes?: boolean;
  }
}

/** Marks a route that reads other media types than JSON and judges them itself (the deploy route: YAML too). */
export const ReadsOwnMediaTypes = (): MethodDecorator => RouteConfig({ readsOwnMediaTypes: true } satisfies FastifyContextConfig);

/**
 * Every other route with a body reads JSON (`application/json`) in UTF-8: any other body is refused
 * with 415 before it is parsed (checked for every route, create-app.ts). Fastify parses text/plain,
 * Nest form bodies, and SMO YAML for the deploy route: a form body had reached a DTO and been
 * accepted, a YAML one had reached class-validator as bytes (400 at "/undefined"). A request without
 * a body costs a header check.
 */
export function bodyOtherThanJson(request: FastifyRequest): ProblemException | null {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return null;
  if (request.routeOptions.config?.readsOwnMediaTypes === true || request.is404) return null;
  const { mediaType, charset } = mediaTypeOf(request.headers['content-type'] ?? '');
  if (mediaType === JSON_MEDIA_TYPE && isUtf8Charset(charset)) return null;
  const found = mediaType === '' ? 'no Content-Type' : `Content-Type "${mediaType.slice(0, 100)}"${isUtf8Charset(charset) ? '' : ` with charset "${charset!.slice(0, 40)}"`}`;
  const problem = problemAt([], `${found}: this route reads ${JSON_MEDIA_TYPE} (UTF-8)`);
  return ProblemException.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, problem.message, { errors: [problem] });
}

/**
 * JSON request bodies are parsed by Fastify's own parser (prototype-poisoning checks included); an empty
 * one is no body; a syntax error is answered 400 problem+json that says where, as YAML errors do:
 * `invalid JSON: <reason> (line L, column C)`, with line, column and offset in `errors[0]`. A body
 * nested deeper than a descriptor may be (64 levels) is refused with the pointer where it goes too
 * deep: class-transformer and class-validator recurse, and thousands of levels overflowed the stack (500).
 */
export function useJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    // No body at all, sent with a JSON Content-Type (many clients set it on every request): as if none was
    // sent. A route without a body takes it; one that reads a body says which it lacks (Fastify answered its
    // own "Body cannot be empty" 400, naming nothing).
    if (body.length === 0) return done(null, undefined);
    parseJson(request, body as unknown as string, (error, value) => {
      if (!error) {
        const tooDeep = findStructureProblem(value, DEFAULT_INTAKE_LIMITS.maxDepth);
        return tooDeep ? done(new ProblemException(toProblemDetails(400, [tooDeep])), undefined) : done(null, value);
      }
      // Fastify says only "not valid JSON", for syntax errors and prototype poisoning alike: tell them apart.
      // Fastify's parser skips a byte order mark; so do positions (counted in the text after it).
      const text = body.toString('utf8').replace(/^\uFEFF/, '');
      const syntaxError = (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? syntaxErrorOf(text) : null;
      done(syntaxError ? jsonSyntaxProblem(text, syntaxError) : error, undefined);
    });
  });
}

function syntaxErrorOf(text: string): SyntaxError | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return error instanceof SyntaxError ? error : null;
  }
}

/** Where the body stops being JSON, and why. */
function jsonSyntaxProblem(text: string, error: SyntaxError): ProblemException {
  const found: ParseError[] = [];
  parseTolerantly(text, found, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // V8's reason reads best ("Expected ',' or '}' after property value"); the tolerant parser gives the place.
  const reason = v8Reason(error) ?? (found[0] ? printParseErrorCode(found[0].error) : 'not valid JSON');
  const offset = positionIn(error.message) ?? found[0]?.offset ?? text.length;
  const { line, column } = lineAndColumn(text, offset);
  const problem = { pointer: '', message: `invalid JSON: ${reason} (line ${line}, column ${column})`, line, column, offset };
  return new ProblemException(toProblemDetails(400, [problem]));
}

/** V8's message without its position and without the echo of the input (which may be long, or hold a secret). */
function v8Reason(error: SyntaxError): string | null {
  const reason = error.message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
    .trim();
  return reason.slice(0, 200) || null;
}

function positionIn(message: string): number | null {
  const match = / at position (\d+)/.exec(message);
  return match ? Number(match[1]) : null;
}

/** 1-based line and column (in UTF-16 code units, as offsets are) of an offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
