import { parseAsOf } from '../../core/as-of.js';
import { RowbackError } from '../../core/errors.js';
import type { AsOfSpec } from './as-of-spec.js';
import { comparePositions, type EventRef, type Settled } from './scan.js';

/**
 * `--backout <range>`: the accident, as the transactions between two moments of the binlog. Each end is a
 * time (`2026-11-24 10:14:59+00`), a binlog position (`binlog.000042:1337`) or a GTID (`0-1-4711`,
 * `3E11FA47-…:23`); `A..B` is a range, a lone GTID one transaction, `A..` everything from A on.
 * The start is read as `--as-of` reads a moment (the scanner counts from there); the end is:
 * a time: transactions committed up to and including that second; a position: transactions starting
 * before it (SHOW BINLOG EVENTS' End_log_pos of the accident's commit); a GTID: up to and including it.
 */
export interface BackoutRange {
  from: AsOfSpec;
  to: RangeEnd;
  /** As the user wrote it, for messages. */
  text: string;
}

export type RangeEnd =
  | { kind: 'time'; seconds: number }
  | { kind: 'position'; file: string; position: number }
  | { kind: 'gtid'; gtid: string }
  | { kind: 'open' };

type Moment = { time: ReturnType<typeof parseAsOf>; text: string } | { position: string } | { gtid: string };

const POSITION = /^[^\s:]+\.\d+:\d+$/;
const MARIADB_GTID = /^\d+-\d+-\d+$/;
const MYSQL_GTID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d+$/i;
/** A date alone is digits-dash-digits too: 4-2-2 digits read as a date, not a MariaDB GTID. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const BACKOUT_EXAMPLES =
  'e.g. --backout 0-1-4711 (one transaction, by GTID), --backout 0-1-4711..0-1-4720, --backout binlog.000042:1337..binlog.000042:2210, or --backout "2026-11-24 10:14:59+00..2026-11-24 10:15:03+00"';

export function parseBackout(text: string, now: number = Date.now()): BackoutRange {
  const trimmed = text.trim();
  const dots = trimmed.indexOf('..');
  if (dots < 0) {
    const one = moment(trimmed, text, now);
    if (!('gtid' in one)) {
      throw bad(
        text,
        'a single moment is not an accident: give the range it happened in (FROM..TO), or one GTID',
      );
    }
    return { from: one, to: { kind: 'gtid', gtid: one.gtid }, text: trimmed };
  }
  const from = moment(trimmed.slice(0, dots).trim(), text, now);
  const endText = trimmed.slice(dots + 2).trim();
  if (endText === '') return { from, to: { kind: 'open' }, text: trimmed };
  const end = moment(endText, text, now);
  const to: RangeEnd =
    'gtid' in end
      ? { kind: 'gtid', gtid: end.gtid }
      : 'position' in end
        ? positionEnd(end.position)
        : { kind: 'time', seconds: Math.floor(end.time.epochMs / 1000) };
  if ('time' in from && to.kind === 'time' && Math.floor(from.time.epochMs / 1000) > to.seconds) {
    throw bad(text, 'it ends before it starts');
  }
  if ('position' in from && to.kind === 'position') {
    if (comparePositions(positionEnd(from.position), to) >= 0) throw bad(text, 'it ends before it starts');
  }
  return { from, to, text: trimmed };
}

function moment(part: string, whole: string, now: number): Moment {
  if (part === '') throw bad(whole, 'it has no start');
  if (POSITION.test(part)) return { position: part };
  if ((MARIADB_GTID.test(part) && !DATE.test(part)) || MYSQL_GTID.test(part)) {
    return { gtid: part.toLowerCase() };
  }
  try {
    return { time: parseAsOf(part, now), text: part };
  } catch {
    throw bad(whole, `"${part}" is not a time, a binlog position (FILE:POS) or a GTID`);
  }
}

function positionEnd(text: string): { kind: 'position'; file: string; position: number } {
  const at = text.lastIndexOf(':');
  return { kind: 'position', file: text.slice(0, at), position: Number(text.slice(at + 1)) };
}

function bad(text: string, why: string): RowbackError {
  return new RowbackError('usage', `--backout "${text}" is not an accident rowback can read: ${why}.`, {
    hint: BACKOUT_EXAMPLES,
  });
}

/** Whether a settled (counted) transaction is inside the range, given the end's transaction number for a GTID. */
export function inRange(settled: Settled, to: RangeEnd, lastTxn: number | undefined): boolean {
  if (settled.outcome !== 'counted') return false;
  switch (to.kind) {
    case 'open':
      return true;
    case 'time':
      return settled.commitTime !== undefined && settled.commitTime <= to.seconds;
    case 'position':
      return comparePositions(settled.start, to) < 0;
    case 'gtid':
      return lastTxn !== undefined && settled.txn <= lastTxn;
  }
}

/** Commit stamps are not strictly in binlog order: read this many seconds past a time end. */
const END_MARGIN = 60;

/** Whether the reading may stop once this transaction settled: nothing later can be in the range. */
export function pastEnd(settled: Settled, to: RangeEnd): boolean {
  switch (to.kind) {
    case 'open':
      return false;
    case 'time':
      return settled.commitTime !== undefined && settled.commitTime > to.seconds + END_MARGIN;
    case 'position':
      return comparePositions(settled.start, to as EventRef) >= 0;
    case 'gtid':
      return settled.gtid?.toLowerCase() === to.gtid && settled.outcome === 'counted';
  }
}
