import { redactUrl } from './logger';

describe('redactUrl', () => {
  it('replaces the values of credential query parameters, whatever their case or encoding', () => {
    expect(redactUrl('/alerts?token=s3cret&x=1')).toBe('/alerts?token=[redacted]&x=1');
    expect(redactUrl('/a?Token=s&access_token=t&api%5Fkey=u&password=v&secret=w')).toBe('/a?Token=[redacted]&access_token=[redacted]&api%5Fkey=[redacted]&password=[redacted]&secret=[redacted]');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/graphs/g?at=3')).toBe('/graphs/g?at=3');
    expect(redactUrl('/graphs/g')).toBe('/graphs/g');
    expect(redactUrl('/a?token')).toBe('/a?token');
    expect(redactUrl('/a?%E0%A4%A=1')).toBe('/a?%E0%A4%A=1');
  });
});
