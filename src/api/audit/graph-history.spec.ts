import { parseAsOf } from './graph-history';

/** `?at=` names one instant whatever the server's time zone: a time of day needs its offset. */
describe('parseAsOf', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  const inZone = (tz: string, value: string) => {
    process.env.TZ = tz;
    return parseAsOf(value);
  };

  it('a time with an offset or Z: the same instant in every server time zone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      expect(inZone(tz, '2026-01-05T10:00:00+01:00')).toEqual({ kind: 'time', at: new Date(Date.UTC(2026, 0, 5, 9)) });
      expect(inZone(tz, '2026-01-05T10:00:00.250Z')).toEqual({ kind: 'time', at: new Date(Date.UTC(2026, 0, 5, 10, 0, 0, 250)) });
      expect(inZone(tz, '2026-01-05')).toEqual({ kind: 'time', at: new Date(Date.UTC(2026, 0, 5)) }); // a date: its UTC start
    }
  });

  it('a time of day without an offset is refused, not read in the server’s own zone', () => {
    for (const tz of ['UTC', 'America/New_York']) {
      expect(inZone(tz, '2026-01-05T10:00:00')).toBeNull();
      expect(inZone(tz, '2026-01-05 10:00')).toBeNull();
    }
  });

  it('positions, and dates that do not exist', () => {
    expect(parseAsOf('42')).toEqual({ kind: 'position', position: 42 });
    expect(parseAsOf('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseAsOf('2026-13-01')).toBeNull();
    expect(parseAsOf('yesterday')).toBeNull();
  });
});
