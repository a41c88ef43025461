import type { AccidentImages } from './source.js';

/**
 * Backing out an accident, three-way, key by key and column by column: the row before the accident, the
 * row it left, and the row now. A column the accident changed is set back where it still holds the
 * accident's value; changed again since, it is a conflict, left alone unless `take-source`. Columns the
 * accident did not change are never written. A row it deleted is inserted again if its key is free; a
 * row it inserted is deleted if still as inserted. Pure: lines in the text row format in, lines out.
 */

/** What happened to a row since the accident, when that stands in the way of setting it back. */
export type ConflictKind =
  /** Columns the accident changed were changed again. */
  | 'edited'
  /** The accident updated the row; it was deleted since. */
  | 'deleted'
  /** The accident deleted the row; a row with its key was written since, and differs. */
  | 'written-again'
  /** The accident inserted the row; it was changed since. */
  | 'edited-insert';

export interface ConflictColumn {
  column: string;
  /** As the column was before the accident, as it left it, and now (null: SQL NULL or no row). */
  before: string | null;
  accident: string | null;
  now: string | null;
}

export interface BackoutConflict {
  kind: ConflictKind;
  key: Record<string, string | null>;
  columns: ConflictColumn[];
}

export interface BackoutCounts {
  /** Keys the accident changed. */
  keys: number;
  /** Rows with columns set back (updated), rows inserted again, rows deleted. */
  setBack: number;
  insertedAgain: number;
  deleted: number;
  /** Column values set back. */
  cells: number;
  /** Keys already as before the accident, or with nothing of the accident left: nothing to do. */
  untouched: number;
  /** Keys with a conflict (all of them; `conflicts` lists the first ones). */
  conflicts: number;
}

export interface BackoutOutcome {
  /** Rows as they should be, in `columns` order (the text row format, no newline). */
  rows: Buffer[];
  /** Key lines of rows to delete (rows the accident inserted). */
  deleteKeys: Buffer[];
  /** Columns some update writes (in `columns` order). */
  written: string[];
  counts: BackoutCounts;
  conflicts: BackoutConflict[];
}

export interface BackoutInput {
  accident: AccidentImages;
  key: string[];
  /** Current rows of the keys the accident changed, by keyId(). Absent: no row with that key now. */
  now: Map<string, Buffer[]>;
  /** Only these columns are backed out (`--columns`); undefined: every column. */
  only?: string[];
  conflicts: 'keep-current' | 'take-source';
  /** Conflicts listed in full; the rest are counted. */
  listed?: number;
  /** Display text of a field (unescaped; binary as hex). */
  show: (column: string, field: Buffer) => string | null;
}

const TAB = 0x09;

/** The fields of a text-row-format line (tabs inside values are escaped, so a tab always separates). */
export function fieldsOf(line: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === TAB) {
      out.push(line.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** A key's identity, from a row's fields at the key columns' positions. */
export function keyId(fields: Buffer[], keyAt: number[]): string {
  return keyAt.map((i) => fields[i]!.toString('latin1')).join('\t');
}

function joined(fields: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  fields.forEach((f, i) => {
    if (i > 0) parts.push(TAB_BUFFER);
    parts.push(f);
  });
  return Buffer.concat(parts);
}

const TAB_BUFFER = Buffer.from([TAB]);

export function backOut(input: BackoutInput): BackoutOutcome {
  const { columns } = input.accident;
  const keyAt = input.key.map((k) => columns.indexOf(k));
  const allowed = columns.map((c) => !input.key.includes(c) && (input.only?.includes(c) ?? true));
  const take = input.conflicts === 'take-source';
  const listed = input.listed ?? 1000;
  const written = new Set<number>();
  const out: BackoutOutcome = {
    rows: [],
    deleteKeys: [],
    written: [],
    conflicts: [],
    counts: { keys: 0, setBack: 0, insertedAgain: 0, deleted: 0, cells: 0, untouched: 0, conflicts: 0 },
  };
  const c = out.counts;
  const conflict = (kind: ConflictKind, fields: Buffer[], cols: ConflictColumn[]) => {
    c.conflicts++;
    if (out.conflicts.length >= listed) return;
    const key = Object.fromEntries(input.key.map((k, i) => [k, input.show(k, fields[keyAt[i]!]!)]));
    out.conflicts.push({ kind, key, columns: cols });
  };
  const show = (i: number, f: Buffer[] | undefined) => (f ? input.show(columns[i]!, f[i]!) : null);
  const differing = (a: Buffer[], b: Buffer[]) =>
    columns.flatMap((_, i) => (allowed[i] && !a[i]!.equals(b[i]!) ? [i] : []));
  const described = (idx: number[], before?: Buffer[], after?: Buffer[], now?: Buffer[]) =>
    idx.map((i) => ({
      column: columns[i]!,
      before: show(i, before),
      accident: show(i, after),
      now: show(i, now),
    }));

  for (const row of input.accident.rows) {
    c.keys++;
    const before = row.before && fieldsOf(row.before);
    const after = row.after && fieldsOf(row.after);
    const id = keyId((before ?? after)!, keyAt);
    const now = input.now.get(id);
    if (before && after) {
      const changed = differing(before, after);
      if (changed.length === 0) {
        c.untouched++;
      } else if (!now) {
        conflict('deleted', before, described(changed, before, after, undefined));
        if (take) {
          out.rows.push(row.before!);
          c.insertedAgain++;
        }
      } else {
        const back = changed.filter((i) => now[i]!.equals(after[i]!));
        const clash = changed.filter((i) => !now[i]!.equals(after[i]!) && !now[i]!.equals(before[i]!));
        if (clash.length > 0) conflict('edited', now, described(clash, before, after, now));
        const set = take ? [...back, ...clash] : back;
        if (set.length === 0) {
          if (clash.length === 0) c.untouched++;
          continue;
        }
        const desired = [...now];
        for (const i of set) {
          desired[i] = before[i]!;
          written.add(i);
        }
        out.rows.push(joined(desired));
        c.setBack++;
        c.cells += set.length;
      }
    } else if (before) {
      // The accident deleted the row.
      if (!now) {
        out.rows.push(row.before!);
        c.insertedAgain++;
        continue;
      }
      const since = differing(before, now);
      if (since.length === 0) {
        c.untouched++;
        continue;
      }
      conflict('written-again', now, described(since, before, undefined, now));
      if (take) {
        out.rows.push(row.before!);
        for (const i of since) written.add(i);
        c.setBack++;
        c.cells += since.length;
      }
    } else if (after) {
      // The accident inserted the row.
      if (!now) {
        c.untouched++;
        continue;
      }
      const since = differing(after, now);
      if (since.length > 0) conflict('edited-insert', now, described(since, undefined, after, now));
      if (since.length === 0 || take) {
        out.deleteKeys.push(row.key);
        c.deleted++;
      }
    } else {
      c.untouched++;
    }
  }
  out.written = columns.filter((_, i) => written.has(i));
  return out;
}
