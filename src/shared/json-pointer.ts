/** RFC 6901 JSON pointers: the one escaper (and its inverse) behind every problem's `pointer`. */

/** One reference token: "~" becomes "~0" and "/" becomes "~1". */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A pointer from a path of object keys and array indexes, outermost first ("" for the whole document). */
export function pointerOf(path: readonly (string | number)[]): string {
  return path.map((token) => '/' + escapePointerToken(token)).join('');
}

/** The reference tokens of a pointer, unescaped ("~1" before "~0", as RFC 6901 says). */
export function pointerTokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}
