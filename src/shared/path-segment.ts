/**
 * Text that can be one segment of a URL path, once percent-encoded: not "." or ".." (URL parsing, on
 * either side, resolves those: `…/vim/..` is `…/`) and no "/" (a server decodes `%2F` before routing).
 */
export const PATH_SEGMENT = /^(?!\.{1,2}$)[^/]*$/;

export function isPathSegment(text: string): boolean {
  return PATH_SEGMENT.test(text);
}
