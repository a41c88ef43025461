import { RowbackError } from '../../core/errors.js';
import type { AccidentImages, AccidentRow } from '../../core/source.js';
import type { HistoryFile } from './as-of.js';
import { type BackoutRange, inRange } from './backout-spec.js';
import { historyRecords, Part } from './history.js';
import type { EventRef } from './scan.js';

/**
 * The accident's images per key, from the per-key history: the row before the range's first change of
 * the key (undefined: the key did not exist) and after its last one (undefined: it was deleted). An
 * update that moves a row to another key is a delete of the old key and an insert of the new one.
 * Only counted transactions inside the range count; later ones are the application's, kept.
 */
export function accidentImages(
  history: HistoryFile,
  range: BackoutRange,
  columns: string[],
  table: string,
): AccidentImages {
  const lastTxn = endTxn(history, range);
  const inside = new Set<number>();
  for (const settled of history.transactions.values()) {
    if (inRange(settled, range.to, lastTxn)) inside.add(settled.txn);
  }
  const byKey = new Map<string, AccidentRow>();
  const partial: EventRef[] = [];
  const touch = (key: Buffer, before: Buffer | undefined, after: Buffer | undefined) => {
    const id = key.toString('latin1');
    const seen = byKey.get(id);
    if (seen) {
      if (after) seen.after = Buffer.from(after);
      else delete seen.after;
      return;
    }
    byKey.set(id, {
      key: Buffer.from(key),
      ...(before ? { before: Buffer.from(before) } : {}),
      ...(after ? { after: Buffer.from(after) } : {}),
    });
  };
  for (const r of historyRecords(history.path, history.transactions)) {
    if (!inside.has(r.txn)) continue;
    if (r.absentBeforeCount > 0 || r.absentAfterCount > 0) {
      if (partial.length < 5) partial.push({ file: history.files.get(r.file) ?? '', position: r.position });
      continue;
    }
    const part = (p: Part) => (r.has(p) ? r.record.subarray(r.at[p], r.at[p]! + r.length[p]!) : undefined);
    const keyBefore = part(Part.keyBefore);
    const keyAfter = part(Part.keyAfter);
    if (keyBefore && keyAfter && !keyBefore.equals(keyAfter)) {
      touch(keyBefore, part(Part.before), undefined);
      touch(keyAfter, undefined, part(Part.after));
    } else {
      touch((keyBefore ?? keyAfter)!, part(Part.before), part(Part.after));
    }
  }
  if (partial.length > 0) {
    throw new RowbackError(
      'unsupported',
      `The accident's changes of ${table} are only partly in the binlog (binlog_row_image was MINIMAL or NOBLOB), e.g. at ${partial.map((e) => `${e.file}:${e.position}`).join(', ')}: the columns it did not log cannot be compared or put back.`,
      {
        hint: 'Set binlog_row_image=FULL on the server for changes from now on; for this accident restore from a dump or an instance backup with --columns and --target-where.',
      },
    );
  }
  return { columns, rows: [...byKey.values()], transactions: inside.size };
}

/** A range ending at a GTID ends at that transaction: it must be one that changed the table. */
function endTxn(history: HistoryFile, range: BackoutRange): number | undefined {
  if (range.to.kind !== 'gtid') return undefined;
  const gtid = range.to.gtid;
  for (const settled of history.transactions.values()) {
    if (settled.gtid?.toLowerCase() === gtid && settled.outcome === 'counted') return settled.txn;
  }
  for (const settled of history.transactions.values()) {
    if (settled.gtid?.toLowerCase() === gtid) {
      throw new RowbackError(
        'not-found',
        `Transaction ${gtid} never committed (${settled.outcome}): there is nothing of it to back out.`,
        { hint: 'Check the GTID (SHOW BINLOG EVENTS shows them).' },
      );
    }
  }
  throw new RowbackError(
    'not-found',
    `Transaction ${gtid} changed no row of the table, or is not in the binlog.`,
    {
      hint: 'Name a transaction that changed the table (SHOW BINLOG EVENTS shows its GTID), or end the range with a time or a position.',
    },
  );
}
