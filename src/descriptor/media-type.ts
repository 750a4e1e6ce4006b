import { Problem, problemAt } from './problem';

export type BodySyntax = 'json' | 'yaml';

export const JSON_MEDIA_TYPE = 'application/json';
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

export type MediaTypeVerdict = { readonly ok: true; readonly syntax: BodySyntax } | { readonly ok: false; readonly problem: Problem };

const SUPPORTED = `${JSON_MEDIA_TYPE}, ${YAML_MEDIA_TYPES.join(', ')}`;

/** A Content-Type header's media type (lower case) and charset parameter (lower case, unquoted), if any. */
export function mediaTypeOf(contentType: string): { mediaType: string; charset: string | undefined } {
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  const charset = parameters
    .map((parameter) => parameter.split('=').map((side) => side.trim()))
    .find(([name]) => name?.toLowerCase() === 'charset')?.[1]
    ?.replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return { mediaType: essence.toLowerCase(), charset };
}

/** UTF-8 is the only charset SMO reads (JSON's own, RFC 8259 §8.1). */
export function isUtf8Charset(charset: string | undefined): boolean {
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** Maps a Content-Type header to the body syntax; anything else, or a charset other than UTF-8, is a 415. */
export function bodySyntaxOf(contentType: string | undefined): MediaTypeVerdict {
  if (contentType === undefined || contentType.trim() === '') {
    return refuse(`a Content-Type header is required (${SUPPORTED})`);
  }
  const { mediaType, charset } = mediaTypeOf(contentType);
  if (!isUtf8Charset(charset)) {
    return refuse(`charset "${charset}" is not supported; send UTF-8`);
  }
  if (mediaType === JSON_MEDIA_TYPE) return { ok: true, syntax: 'json' };
  if ((YAML_MEDIA_TYPES as readonly string[]).includes(mediaType)) return { ok: true, syntax: 'yaml' };
  return refuse(`Content-Type "${mediaType.slice(0, 100)}" is not supported (${SUPPORTED})`);
}

function refuse(message: string): MediaTypeVerdict {
  return { ok: false, problem: problemAt([], message) };
}
