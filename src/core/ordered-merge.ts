import type { MergeKey, RowStream } from '../engines/engine.js';
import { compareKeys, Merge, type Row, Side } from './merge.js';
import type { PlanCounts, SampleRow } from './plan.js';
import { RowCursor } from './row-cursor.js';
import type { RowSink } from './row-pipe.js';

/** The source and the target, both read in key order under the lock (see ReadOptions.merge). */
export interface OrderedInput {
  source: RowStream;
  target: RowStream;
  columns: string[];
  merge: MergeKey;
  samples: number;
  /** Source rows whose key the target lacks, as read: the rows to insert. */
  missing: RowSink;
  /** Source rows whose bytes differ from the target's row: the server compares them by type. */
  differing: RowSink;
  onRows?: (rows: number) => void;
}

export interface OrderedResult {
  /** missing, extra and same as the merge found them; `changed` is still 0 (see `differing`). */
  plan: PlanCounts;
  /** Examples of missing and extra rows. */
  samples: SampleRow[];
  /** Rows the target held when it was read. */
  targetRows: number;
  /** The source's largest key, for a one-column key: its last row's (the rows come in key order). */
  largestKey?: string;
}

/**
 * Walks the two key-ordered streams side by side, holding one row of each. A source key the target lacks
 * is missing; a target key the source lacks is extra; a key on both whose columns' text is byte for byte
 * the same is same (the target's own text of the source's value: what staging it would have stored).
 * Rows whose text differs are put aside for the server to compare by the column types' own text, as the
 * staged plan does (a source `numeric` 1.5 into a target `numeric(5,2)` is 1.50 there): the merge never
 * calls `changed` what the staged plan would call `same`. Only for an exact MergeKey: keys equal here are
 * equal on the server.
 */
export async function mergeOrdered(input: OrderedInput): Promise<OrderedResult> {
  const mergeInput = { ...input, scoped: false };
  const tally = new Merge(mergeInput);
  const source = new Side('source', new RowCursor(input.source), mergeInput, false);
  const target = new Side('target', new RowCursor(input.target), mergeInput, false);
  let targetRows = 0;
  let last: Row | undefined;
  try {
    let s: Row | undefined = source.next() ?? (await source.nextAsync());
    let t: Row | undefined = target.next() ?? (await target.nextAsync());
    while (s || t) {
      const order = !s ? 1 : !t ? -1 : compareKeys(s.key, t.key, input.merge);
      if (order < 0) {
        last = s;
        tally.add('missing', s, undefined);
        const full = input.missing.add(s!.values);
        if (full) await full;
        s = source.next() ?? (await source.nextAsync());
      } else if (order > 0) {
        tally.add('extra', undefined, t);
        targetRows++;
        t = target.next() ?? (await target.nextAsync());
      } else {
        last = s;
        if (s!.values.equals(t!.values)) tally.add('same', s, t);
        else {
          const full = input.differing.add(s!.values);
          if (full) await full;
        }
        targetRows++;
        s = source.next() ?? (await source.nextAsync());
        t = target.next() ?? (await target.nextAsync());
      }
    }
    input.onRows?.(source.rows);
    await Promise.all([input.missing.end(), input.differing.end()]);
    const largestKey = last && last.key.length === 1 ? last.key[0]!.toString('utf8') : undefined;
    return {
      plan: tally.plan,
      samples: tally.examples(),
      targetRows,
      ...(largestKey === undefined ? {} : { largestKey }),
    };
  } finally {
    await Promise.allSettled([source.close(), target.close()]);
  }
}
