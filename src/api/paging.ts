import { toProblemDetails } from '../descriptor';
import { ProblemException } from './problem';
import type { HeaderSink } from './answer-headers';

/** The longest `?after` a list reads unless its shape says otherwise (a project and a name, each a DNS label, or an id of that kind). */
const MAX_CURSOR_LENGTH = 255;

/**
 * A list's `?after` as its `Link: rel="next"` gave it, checked against the list's cursor shape (`parts`
 * segments between slashes, none empty; any non-empty text without `parts`; at most `maxLength` characters, as long
 * as the longest id the list may end a page on); a 400 problem naming `after` otherwise.
 */
export function cursorParam(after: string | undefined, shape: { parts?: number; described: string; maxLength?: number }): string[] | undefined {
  if (after === undefined) return undefined;
  const parts = shape.parts === undefined ? [after] : after.split('/');
  if (after.length > (shape.maxLength ?? MAX_CURSOR_LENGTH) || (shape.parts !== undefined && parts.length !== shape.parts) || parts.some((part) => part.length === 0)) {
    throw new ProblemException({ ...toProblemDetails(400, [{ pointer: '/after', message: `must be ${shape.described}: the last item of the page before, as its Link rel="next" gives it` }]) });
  }
  return parts;
}

/** A page that was cut: `X-Truncated: true`, and the `Link: rel="next"` (RFC 8288) of the page after the item `cursor` names. */
export function announceNextPage(reply: HeaderSink, path: string, size: number, cursor: string): void {
  reply.header('x-truncated', 'true');
  reply.header('link', `<${path}?limit=${size}&after=${encodeURIComponent(cursor)}>; rel="next"`);
}
