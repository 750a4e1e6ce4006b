import { escapePointerToken, pointerOf, pointerTokens } from './json-pointer';

describe('JSON pointers (RFC 6901)', () => {
  it('escapes "~" and "/" in tokens and reads them back', () => {
    expect(escapePointerToken('a/b~c')).toBe('a~1b~0c');
    expect(pointerOf(['services', 0, 'a/b~c'])).toBe('/services/0/a~1b~0c');
    expect(pointerOf([])).toBe('');
    expect(pointerTokens('/services/0/a~1b~0c')).toEqual(['services', '0', 'a/b~c']);
    // "~01" is "~1" escaped, not "/".
    expect(pointerTokens('/~01')).toEqual(['~1']);
  });
});
