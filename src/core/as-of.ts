import { RowbackError } from './errors.js';

/**
 * The as-of moment, parsed once. A moment is not a row value: it may pass through a Date (milliseconds),
 * but the digits of a finer fraction are kept as the user wrote them so PostgreSQL gets them all.
 */
export interface AsOf {
  /** UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]+00`: what recovery_target_time and messages use. */
  utc: string;
  /** Milliseconds since the epoch, for comparisons with windows and listings. */
  epochMs: number;
  /** Digits after the second, as written (may be empty). */
  fraction: string;
  /** Set when the text carried no zone: the zone that was assumed, for a warning. */
  assumed?: string;
}

const ABSOLUTE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const RELATIVE = /^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s+ago$/i;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads `2026-11-24 10:14:59+01`, `2026-11-24T10:14:59.123456Z`, `5 minutes ago` or `now`. A time without
 * a zone is read in this machine's zone (`TZ`), and `assumed` says which, so the caller can warn.
 */
export function parseAsOf(text: string, now: number = Date.now()): AsOf {
  const input = text.trim();
  if (/^now$/i.test(input)) return fromEpoch(now);
  const relative = RELATIVE.exec(input);
  if (relative) {
    const unit = relative[2]!.toLowerCase();
    const key = unit.startsWith('min') || unit === 'm' ? 'm' : unit[0]!;
    return fromEpoch(now - Number(relative[1]) * UNIT_MS[key]!);
  }
  const m = ABSOLUTE.exec(input);
  if (!m) throw badAsOf(text);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) throw badAsOf(text);
  if (hour > 23 || minute > 59 || second > 59) throw badAsOf(text);
  const fraction = (m[7] ?? '').slice(0, 6);
  const ms = Number((fraction + '000').slice(0, 3));
  const zone = m[8];
  let epochMs: number;
  let assumed: string | undefined;
  if (zone) {
    epochMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes(zone) * 60_000;
  } else {
    epochMs = new Date(year, month - 1, day, hour, minute, second, ms).getTime();
    assumed = localZone(epochMs);
  }
  return { ...fromEpoch(epochMs, fraction), ...(assumed ? { assumed } : {}) };
}

function fromEpoch(epochMs: number, fraction?: string): AsOf {
  const date = new Date(epochMs);
  const digits = fraction ?? String(date.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  const base = date.toISOString().slice(0, 19).replace('T', ' ');
  return { utc: `${base}${digits ? `.${digits}` : ''}+00`, epochMs, fraction: digits };
}

/** `Z` → 0, `+05:30` / `+0530` / `+05` → 330, `-03` → -180. */
function offsetMinutes(zone: string): number {
  if (/^(z|utc|gmt)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

/** `Europe/Paris (UTC+01:00)`: the machine's zone and its offset at that moment. */
function localZone(epochMs: number): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const offset = -new Date(epochMs).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${name} (UTC${sign}${hh}:${mm})`;
}

/** The warning to show when a zone was assumed. */
export function assumedZoneWarning(asOf: AsOf, text: string): string | undefined {
  if (!asOf.assumed) return undefined;
  return `--as-of "${text}" has no time zone; read as ${asOf.assumed}, i.e. ${asOf.utc}. Add a zone (e.g. "+00" or "Z") to be explicit.`;
}

function badAsOf(text: string): RowbackError {
  return new RowbackError('usage', `Cannot read --as-of "${text}" as a moment.`, {
    hint: 'Write it as 2026-11-24 10:14:59+00 (a zone: Z, +01, -05:30), 2026-11-24T10:14:59.5Z, "5 minutes ago" or now.',
  });
}
