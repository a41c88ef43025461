import type { AsOf } from '../../core/as-of.js';
import { RowbackError } from '../../core/errors.js';
import type { ReplicaConnection } from './replica.js';
import type { Boundary } from './scan.js';
import { civilFromDays } from './temporal.js';

/** How the user named the moment: a time (`--as-of`, parsed by the core), a binlog position, or a GTID. */
export type AsOfSpec = { time: AsOf; text?: string } | { position: string } | { gtid: string };

/** The boundary resolved, and how it was read, for the report (`as-of 10:14:59 read in UTC+01:00 …`). */
export interface ResolvedAsOf {
  boundary: Boundary;
  /** Human words: what the moment is and which time zone was assumed. */
  described: string;
}

/**
 * Resolves `--as-of` / `--as-of-position` / `--as-of-gtid`. Events are stamped in whole seconds, so a
 * time's fraction is dropped: a transaction committed in the same second as the moment counts as after it.
 * A time in the server's future is refused.
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
  const seconds = Math.floor(spec.time.epochMs / 1000);
  const now = Number((await connection.query('SELECT UNIX_TIMESTAMP()'))[0]?.[0] ?? 0);
  const written = spec.text ?? spec.time.utc;
  if (seconds > now) {
    throw new RowbackError(
      'usage',
      `--as-of "${written}" is in the future: the server's clock reads ${utcText(now)}.`,
      {
        hint: 'Give a moment before now, with its time zone (e.g. "+00" or "Z").',
      },
    );
  }
  return {
    boundary: { kind: 'time', seconds },
    described: `${written} (${utcText(seconds)}; every transaction committed in that second or later is undone)`,
  };
}

/** `2026-11-24 09:14:59 UTC`, from epoch seconds, without a Date. */
export function utcText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(year, 4)}-${p(month)}-${p(day)} ${p(Math.floor(rest / 3600))}:${p(Math.floor(rest / 60) % 60)}:${p(rest % 60)} UTC`;
}
