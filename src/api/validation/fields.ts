/**
 * Field decorators that both validate (class-validator) and document (@nestjs/swagger) a member of
 * a request body, so the rule and its description cannot drift apart. Every field is required unless
 * `optional` (absent is fine, null is not) or `nullable` (absent or null) is given.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAP_CHECKS } from './map-checks';
import { PATH_SEGMENT } from '../../shared/path-segment';

export interface FieldOptions {
  description: string;
  example?: unknown;
  /** May be absent (not null). */
  optional?: boolean;
  /** May be absent or null. */
  nullable?: boolean;
}

type Schema = Omit<ApiPropertyOptions, 'description' | 'example' | 'required' | 'nullable'>;

function field(options: FieldOptions, schema: Schema, ...validators: PropertyDecorator[]): PropertyDecorator {
  const presence = options.nullable ? [IsOptional()] : options.optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : [IsDefined({ message: 'is required' })];
  const documented = {
    ...schema,
    description: options.description,
    required: !(options.optional || options.nullable),
    ...(options.nullable ? { nullable: true } : {}),
    ...(options.example === undefined ? {} : { example: options.example }),
  } as ApiPropertyOptions;
  return applyDecorators(ApiProperty(documented), ...presence, ...validators);
}

/** Something besides white space, and no C0/C1 control character, DEL, or bidirectional embedding/override/isolate. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const PRINTABLE_TEXT = /^(?=[\s\S]*\S)[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/;

/** PRINTABLE_TEXT and PATH_SEGMENT as one pattern, for the published schema. */
// eslint-disable-next-line no-control-regex -- as PRINTABLE_TEXT
const PRINTABLE_SEGMENT = /^(?!\.{1,2}$)(?=[\s\S]*\S)[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069/]*$/;

/**
 * Text with something besides white space, at most `maxLength` characters (printable, unless a password).
 * `pathSegment`: the text names something in a peer's URL path (PATH_SEGMENT; `message` says which).
 */
export function TextField(options: FieldOptions & { maxLength: number; format?: string; pathSegment?: { message: string } }): PropertyDecorator {
  // A name (of a VIM, a tenant, a user…) is printed in logs, the console and NFVCL's calls: no control
  // or bidirectional-override characters, which forge log lines or disguise a name. A password may hold anything but blanks only.
  const [pattern, message] =
    options.format === 'password' ? [/\S/, 'must be a non-empty string'] : [PRINTABLE_TEXT, 'must be a non-empty string without control or bidirectional-override characters'];
  const documented = options.pathSegment ? PRINTABLE_SEGMENT : pattern;
  return field(
    options,
    { type: 'string', minLength: 1, maxLength: options.maxLength, pattern: documented.source, ...(options.format ? { format: options.format } : {}) },
    IsString({ message: 'must be a non-empty string' }),
    Matches(pattern, { message }),
    ...(options.pathSegment ? [Matches(PATH_SEGMENT, { message: options.pathSegment.message })] : []),
    MaxLength(options.maxLength, { message: `must be at most ${options.maxLength} characters` }),
  );
}

/** Any string (`nonEmpty`: at least one character). */
export function StringField(options: FieldOptions & { nonEmpty?: boolean }): PropertyDecorator {
  const message = options.nonEmpty ? 'must be a non-empty string' : 'must be a string';
  return field(options, { type: 'string', ...(options.nonEmpty ? { minLength: 1 } : {}) }, IsString({ message }), ...(options.nonEmpty ? [MinLength(1, { message })] : []));
}

/** A string matching `pattern` (anchored), at most `maxLength` characters. */
export function PatternField(options: FieldOptions & { pattern: RegExp; maxLength?: number; message: string }): PropertyDecorator {
  const length = options.maxLength === undefined ? [] : [MaxLength(options.maxLength, { message: options.message })];
  return field(
    options,
    { type: 'string', pattern: options.pattern.source, minLength: 1, ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }) },
    IsString({ message: options.message }),
    MinLength(1, { message: options.message }),
    Matches(options.pattern, { message: options.message }),
    ...length,
  );
}

export function IntegerField(options: FieldOptions & { minimum: number; maximum: number; message: string }): PropertyDecorator {
  return field(
    options,
    { type: 'integer', minimum: options.minimum, maximum: options.maximum },
    IsInt({ message: options.message }),
    Min(options.minimum, { message: options.message }),
    Max(options.maximum, { message: options.message }),
  );
}

/** A finite number ≥ 0. */
export function AmountField(options: FieldOptions): PropertyDecorator {
  return field(options, { type: 'number', minimum: 0 }, IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number ≥ 0' }), Min(0, { message: 'must be a number ≥ 0' }));
}

export function BooleanField(options: FieldOptions): PropertyDecorator {
  return field(options, { type: 'boolean' }, IsBoolean({ message: 'must be true or false' }));
}

export function EnumField(options: FieldOptions & { values: readonly string[] }): PropertyDecorator {
  return field(options, { type: 'string', enum: [...options.values] }, IsIn([...options.values], { message: `must be one of ${options.values.join(', ')}` }));
}

/** A nested body part (a DTO class), or a list of them (`maxItems` given). */
export function NestedField(options: FieldOptions & { type: () => new () => object; maxItems?: number }): PropertyDecorator {
  if (options.maxItems === undefined) {
    return field(options, { type: options.type }, IsObject({ message: 'must be an object' }), ValidateNested(), Type(options.type));
  }
  return field(
    options,
    { type: options.type, isArray: true, maxItems: options.maxItems },
    IsArray({ message: 'must be an array' }),
    ArrayMaxSize(options.maxItems, { message: `must have at most ${options.maxItems} items` }),
    ValidateNested({ each: true }),
    Type(options.type),
  );
}

/** `{"c1": {"c2": 12}}`: numbers ≥ 0 under two levels of names; each bad entry is named by its own pointer. */
export function AmountMatrixField(options: FieldOptions): PropertyDecorator {
  return field(
    options,
    { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } } } as Schema,
    ValidateBy({ name: MAP_CHECKS.amountMatrix.name, validator: { validate: (value) => MAP_CHECKS.amountMatrix.problems(value).length === 0 } }),
  );
}

/** `{"key": "text"}`; each bad entry is named by its own pointer. */
export function StringMapField(options: FieldOptions): PropertyDecorator {
  return field(
    options,
    { type: 'object', additionalProperties: { type: 'string' } } as Schema,
    ValidateBy({ name: MAP_CHECKS.stringMap.name, validator: { validate: (value) => MAP_CHECKS.stringMap.problems(value).length === 0 } }),
  );
}

/** `{"key": ["text", …]}`; each bad entry is named by its own pointer. */
export function StringListMapField(options: FieldOptions): PropertyDecorator {
  return field(
    options,
    { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } as Schema,
    ValidateBy({ name: MAP_CHECKS.stringListMap.name, validator: { validate: (value) => MAP_CHECKS.stringListMap.problems(value).length === 0 } }),
  );
}

/** A list of strings, at most `maxItems`; each bad item is named by its own pointer. */
export function StringListField(options: FieldOptions & { maxItems: number }): PropertyDecorator {
  return field(
    options,
    { type: 'string', isArray: true, maxItems: options.maxItems },
    ArrayMaxSize(options.maxItems, { message: `must have at most ${options.maxItems} items` }),
    ValidateBy({ name: MAP_CHECKS.stringList.name, validator: { validate: (value) => MAP_CHECKS.stringList.problems(value).length === 0 } }),
  );
}

/** A field checked by `valid`, documented by `schema`. */
export function CustomField(options: FieldOptions & { schema: Schema; valid: (value: unknown) => boolean; message: string }): PropertyDecorator {
  return field(options, options.schema, ValidateBy({ name: 'custom', validator: { validate: options.valid, defaultMessage: () => options.message } }));
}

