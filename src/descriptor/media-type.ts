import { Problem, problemAt } from './problem';

export type BodySyntax = 'json' | 'yaml';

export const JSON_MEDIA_TYPE = 'application/json';
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

export type MediaTypeVerdict = { readonly ok: true; readonly syntax: BodySyntax } | { readonly ok: false; readonly problem: Problem };

const SUPPORTED = `${JSON_MEDIA_TYPE}, ${YAML_MEDIA_TYPES.join(', ')}`;

/** Maps a Content-Type header to the body syntax; anything else, or a charset other than UTF-8, is a 415. */
export function bodySyntaxOf(contentType: string | undefined): MediaTypeVerdict {
  if (contentType === undefined || contentType.trim() === '') {
    return refuse(`a Content-Type header is required (${SUPPORTED})`);
  }
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  const mediaType = essence.toLowerCase();
  const charset = parameters
    .map((parameter) => parameter.split('=').map((side) => side.trim()))
    .find(([name]) => name?.toLowerCase() === 'charset')?.[1]
    ?.replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return refuse(`charset "${charset}" is not supported; send UTF-8`);
  }
  if (mediaType === JSON_MEDIA_TYPE) return { ok: true, syntax: 'json' };
  if ((YAML_MEDIA_TYPES as readonly string[]).includes(mediaType)) return { ok: true, syntax: 'yaml' };
  return refuse(`Content-Type "${mediaType.slice(0, 100)}" is not supported (${SUPPORTED})`);
}

function refuse(message: string): MediaTypeVerdict {
  return { ok: false, problem: problemAt([], message) };
}
