import { RowbackError } from '../../core/errors.js';
import type { ReplicaConnection } from './replica.js';
import type { Boundary } from './scan.js';
import { civilFromDays } from './temporal.js';

/** How the user named the moment: a time, a binlog position, or a GTID. */
export type AsOfSpec = { time: string } | { position: string } | { gtid: string };

/** The boundary resolved, and how it was read, for the report (`as-of 10:14:59 read in UTC+01:00 …`). */
export interface ResolvedAsOf {
  boundary: Boundary;
  /** Human words: what the moment is and which time zone was assumed. */
  described: string;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Resolves `--as-of` / `--as-of-position` / `--as-of-gtid`. A time with an offset (`…Z`, `…+01:00`) is
 * exact; a time without one is read in the server's time zone (what NOW() shows there), computed by the
 * server itself, and the zone is named in `described`. Events are stamped in whole seconds, so a
 * fraction is dropped. A time in the server's future is refused.
 */
export async function resolveAsOf(spec: AsOfSpec, connection: ReplicaConnection): Promise<ResolvedAsOf> {
  if ('position' in spec) {
    const m = /^(.+):(\d+)$/.exec(spec.position.trim());
    if (!m) {
      throw new RowbackError('usage', `--as-of-position "${spec.position}" is not FILE:POSITION.`, {
        hint: 'Write it as the binlog file and byte position, e.g. --as-of-position binlog.000042:1337 (SHOW BINLOG EVENTS lists them).',
      });
    }
    return {
      boundary: { kind: 'position', file: m[1]!, position: Number(m[2]) },
      described: `binlog position ${m[1]}:${m[2]} (every transaction starting there or later is undone)`,
    };
  }
  if ('gtid' in spec) {
    const gtid = spec.gtid.trim();
    if (!/^\d+-\d+-\d+$/.test(gtid) && !/^[0-9a-f-]{36}:\d+$/i.test(gtid)) {
      throw new RowbackError('usage', `--as-of-gtid "${spec.gtid}" is not a GTID.`, {
        hint: 'MariaDB GTIDs look like 0-1-4711, MySQL ones like 3E11FA47-71CA-11E1-9E33-C80AA9429562:23.',
      });
    }
    return {
      boundary: { kind: 'gtid', gtid: gtid.toLowerCase() },
      described: `GTID ${gtid} (that transaction and every later one is undone)`,
    };
  }
  const m = TIME.exec(spec.time.trim());
  if (!m) {
    throw new RowbackError('usage', `--as-of "${spec.time}" is not a date and time.`, {
      hint: 'Write it as "YYYY-MM-DD hh:mm:ss", optionally with an offset: "2026-11-24 10:14:59+01:00" or "…Z".',
    });
  }
  const [, y, mo, d, h, mi, s, , offset] = m;
  const [now, zone, system] = (
    await connection.query('SELECT UNIX_TIMESTAMP(), @@global.time_zone, @@global.system_time_zone')
  )[0] as [string, string, string];
  let seconds: number;
  let zoneText: string;
  if (offset) {
    seconds = epochSeconds(+y!, +mo!, +d!, +h!, +mi!, +s!) - offsetSeconds(offset);
    zoneText = offset.toUpperCase() === 'Z' ? 'UTC' : `UTC${offset}`;
  } else {
    const local = `${y}-${mo}-${d} ${h}:${mi}:${s}`;
    const rows = await connection.query('SELECT UNIX_TIMESTAMP(?)', [local]);
    const value = rows[0]?.[0];
    if (value === null || value === undefined || !/^\d+/.test(value)) {
      throw new RowbackError('usage', `--as-of "${spec.time}" is not a time the server can read.`);
    }
    seconds = Number.parseInt(value, 10);
    zoneText = `the server's time zone (${zone === 'SYSTEM' ? `SYSTEM = ${system}` : zone})`;
  }
  if (seconds > Number(now)) {
    throw new RowbackError(
      'usage',
      `--as-of "${spec.time}" is in the future: the server's clock reads ${utcText(Number(now))}.`,
      {
        hint: "Give a moment before now; a time without an offset is read in the server's time zone.",
      },
    );
  }
  return {
    boundary: { kind: 'time', seconds },
    described: `${spec.time.trim()}, read in ${zoneText} = ${utcText(seconds)}`,
  };
}

/** Seconds since the epoch of a UTC civil time, with integer arithmetic. */
export function epochSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s;
}

function offsetSeconds(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** `2026-11-24 09:14:59 UTC`, from epoch seconds, without a Date. */
export function utcText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(year, 4)}-${p(month)}-${p(day)} ${p(Math.floor(rest / 3600))}:${p(Math.floor(rest / 60) % 60)}:${p(rest % 60)} UTC`;
}
