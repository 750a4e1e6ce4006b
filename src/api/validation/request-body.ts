/**
 * One definition per request body: a DTO class whose class-validator decorators check the body and
 * whose @nestjs/swagger decorators document it (the OpenAPI document is generated from the same
 * class). `validBody` turns class-validator's error tree into problem+json naming the JSON pointer
 * of each bad field, as every SMO error does; messages name what is wrong, never the value sent
 * (it may be a password).
 */
import { HttpStatus } from '@nestjs/common';
import { ApiSchema } from '@nestjs/swagger';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { toPointer } from '../../descriptor/problem';
import { ProblemException, type Problem } from '../problem';
import { mapCheckOf } from './map-checks';

/** The component names of request-body schemas: the document says `additionalProperties: false` for them, as validation does. */
export const REQUEST_BODY_SCHEMAS = new Set<string>();

/** Names a request body's (or one of its parts') schema in the document and marks it closed to unknown fields. */
export function RequestBodySchema(name: string, description: string): ClassDecorator {
  REQUEST_BODY_SCHEMAS.add(name);
  return ApiSchema({ name, description });
}

type UnknownFields = { unknownFields?: 'refuse' | 'ignore' };

/**
 * The body as an instance of the DTO, or 400 naming every bad field. Unknown fields are refused, so a
 * typo is never silently ignored, unless the sender is another program that may add fields later
 * (`unknownFields: 'ignore'`: they are dropped).
 */
export function validBody<T extends object>(dto: ClassConstructor<T>, body: unknown, options: UnknownFields = {}): T {
  const checked = checkBody(dto, body, options);
  if (!checked.ok) throw badRequest(checked.problems);
  return checked.value;
}

export function checkBody<T extends object>(dto: ClassConstructor<T>, body: unknown, { unknownFields = 'refuse' }: UnknownFields = {}): { ok: true; value: T } | { ok: false; problems: Problem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problems: [{ pointer: '', message: 'must be a JSON object' }] };
  const value = plainToInstance(dto, body);
  const problems = problemsOf(validateSync(value, { whitelist: true, forbidNonWhitelisted: unknownFields === 'refuse', forbidUnknownValues: true }));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** Type checks first: the message a client needs is "must be a string", not "too long". */
const FIRST = ['whitelistValidation', 'isDefined', 'isArray', 'nestedValidation', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isIn'];

/** One problem per bad field, at its JSON pointer. */
export function problemsOf(errors: readonly ValidationError[], path: readonly string[] = []): Problem[] {
  return errors.flatMap((error) => {
    const at = [...path, error.property];
    const constraints = error.constraints ?? {};
    const key = FIRST.find((name) => name in constraints) ?? Object.keys(constraints)[0];
    const pointer = toPointer(at);
    const map = key === undefined ? undefined : mapCheckOf(key);
    const own: Problem[] =
      key === undefined ? [] : map ? map.problems(error.value).map((p) => ({ pointer: pointer + p.pointer, message: p.message })) : [{ pointer, message: messageOf(key, constraints[key]!) }];
    // Not an array where one is due: its elements' checks, run on the object's values, name pointers that do not exist.
    return key === 'isArray' ? own : [...own, ...problemsOf(error.children ?? [], at)];
  });
}

function messageOf(constraint: string, message: string): string {
  if (constraint === 'whitelistValidation') return 'unknown field';
  if (constraint === 'nestedValidation') return 'must be an object';
  return message;
}

/** 400 naming every key with a problem (and never the value sent). */
export function badRequest(problems: readonly Problem[]): ProblemException {
  return ProblemException.of(HttpStatus.BAD_REQUEST, detailOf(problems), { errors: problems });
}

/** 422: every field is well-formed, but together they do not make sense (a duplicate id, a reference to nothing). */
export function inconsistent(problems: readonly Problem[]): ProblemException {
  return ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, detailOf(problems), { errors: problems });
}

/** One detail line that names every key with a problem. */
export function detailOf(problems: readonly Problem[]): string {
  const missing = problems.filter((p) => p.message === 'is required').map((p) => keyOf(p.pointer));
  const other = problems.filter((p) => p.message !== 'is required').map((p) => `${keyOf(p.pointer) || 'body'} ${p.message}`);
  return [missing.length ? `Missing key${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` : null, ...other].filter(Boolean).join('; ');
}

function keyOf(pointer: string): string {
  return pointer.slice(1).replace(/\//g, '.');
}
