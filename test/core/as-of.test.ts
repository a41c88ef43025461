import { describe, expect, it } from 'vitest';
import { assumedZoneWarning, parseAsOf } from '../../src/core/as-of.js';

describe('parseAsOf', () => {
  it('reads a time with a zone as that instant, keeping up to microseconds', () => {
    expect(parseAsOf('2026-11-24 10:14:59+01').utc).toBe('2026-11-24 09:14:59+00');
    expect(parseAsOf('2026-11-24T10:14:59.123456Z').utc).toBe('2026-11-24 10:14:59.123456+00');
    expect(parseAsOf('2026-11-24 10:14:59.5-05:30').utc).toBe('2026-11-24 15:44:59.5+00');
    expect(parseAsOf('2026-11-24 00:30:00 UTC').epochMs).toBe(Date.UTC(2026, 10, 24, 0, 30));
    expect(parseAsOf('2026-11-24T10:14:59Z').assumed).toBeUndefined();
  });

  it('reads a time without a zone in the machine zone and says which was assumed', () => {
    const asOf = parseAsOf('2026-11-24 10:14:59');
    expect(asOf.assumed).toMatch(/\(UTC[+-]\d\d:\d\d\)$/);
    expect(new Date(asOf.epochMs).getHours()).toBe(10);
    expect(assumedZoneWarning(asOf, '2026-11-24 10:14:59')).toContain('has no time zone; read as');
  });

  it('reads "N minutes ago" and "now" from the current time', () => {
    const now = Date.UTC(2026, 10, 24, 10, 15, 0);
    expect(parseAsOf('5 minutes ago', now).utc).toBe('2026-11-24 10:10:00+00');
    expect(parseAsOf('90 seconds ago', now).utc).toBe('2026-11-24 10:13:30+00');
    expect(parseAsOf('2 hours ago', now).utc).toBe('2026-11-24 08:15:00+00');
    expect(parseAsOf('1 day ago', now).utc).toBe('2026-11-23 10:15:00+00');
    expect(parseAsOf('now', now).utc).toBe('2026-11-24 10:15:00+00');
  });

  it('refuses what is not a moment, with the forms it reads', () => {
    for (const text of ['yesterday', '2026-02-30 10:00:00Z', '2026-11-24 25:00:00Z', '10:14', '']) {
      expect(() => parseAsOf(text)).toThrow(/Cannot read --as-of/);
    }
  });
});
