import { toPointer, toProblemDetails } from './problem';

describe('problems', () => {
  it('escapes RFC 6901 reference tokens', () => {
    expect(toPointer([])).toBe('');
    expect(toPointer(['hdaGraph', 'services', 1, 'id'])).toBe('/hdaGraph/services/1/id');
    expect(toPointer(['a/b', 'm~n', ''])).toBe('/a~1b/m~0n/');
  });

  it('builds an RFC 9457 problem body listing every problem', () => {
    const problems = [
      { pointer: '/hdaGraph/id', message: '"id" is required' },
      { pointer: '/hdaGraph/version', message: '"version" is required' },
    ];
    expect(toProblemDetails(400, problems)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: '2 problems in the HDAG submission; see "errors"',
      errors: problems,
    });
    expect(toProblemDetails(413, [{ pointer: '', message: 'too big' }])).toMatchObject({
      title: 'Content Too Large',
      detail: '(body): too big',
    });
  });
});
