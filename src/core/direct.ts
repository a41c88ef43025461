import type { Connection, RowStream } from '../engines/engine.js';
import { type Applied, beginOptions, type Grown } from './apply.js';
import { CounterKeeper } from './counters.js';
import type { UndoSink } from './images.js';
import { judgeContext, judgeVerification } from './judge.js';
import type { RestoreOptions } from './options.js';
import type { Prepared } from './prepare.js';
import { countingRows } from './rows.js';
import { isGenerated, type TableSchema } from './table.js';
import { tee } from './tee.js';
import { noClock, type StepClock } from './timings.js';

/**
 * The direct path streams the source straight into the target, skipping the staging table. It is only
 * exact when the target has no row at all (nothing to merge with), nothing can reject a row half-way
 * (no foreign keys to check first), nothing rewrites rows (no triggers, rules or inheritance routing),
 * every column read is written (no generated key column) and the key is the table's own (a --key must
 * be shown to identify the rows first).
 */
export function directPathFits(p: Prepared, options: RestoreOptions): boolean {
  return (
    !options.sqlOut &&
    !options.dryRun &&
    !p.origin &&
    p.target.partitioning !== 'inheritance' &&
    p.target.foreignKeys.length === 0 &&
    // A --key no unique index enforces is checked on the staged rows (NULLs, repeats): never copied blind.
    p.target.key?.origin !== 'user' &&
    p.target.rules.length === 0 &&
    // A generated key column is read to match rows, and COPY cannot be told to leave it out.
    p.columns.every((c) => !isGenerated(p.target, c)) &&
    (p.target.triggers.length === 0 || options.disableTriggers === true)
  );
}

export interface DirectOptions {
  columns: string[];
  undo: UndoSink;
  /** Rows the user was shown: more than that is never written. */
  shown: number;
  maxChanges?: number;
  disableTriggers?: boolean;
  allowTriggerChanges?: boolean;
  skipForeignKeyChecks?: boolean;
  onProgress?: (rows: number) => void;
  /** More rows than `rows` stop the copy with `error()` (rolled back, nothing written): --max-changes. */
  stopAbove?: { rows: number; error: () => Error };
  /**
   * Nobody confirmed before the copy: called under the lock with the rows copied, before anything is
   * verified or committed, to show the plan and refuse what must be refused (throw). False rolls back.
   */
  decide?: (inserted: number) => Promise<boolean>;
  /** Measures each step. */
  clock?: StepClock;
}

/**
 * In ONE transaction: lock, make sure the target is still empty (undefined, having written nothing, when
 * it is not: the caller merges through the staging table), stream the rows in while the same bytes go to
 * the undo file's post-image, let `decide` see what was copied (when nobody confirmed before), move
 * counters, check every row streamed landed, COMMIT.
 */
export async function copyDirect(
  target: Connection,
  schema: TableSchema,
  rows: RowStream,
  options: DirectOptions,
): Promise<Applied | Grown | undefined> {
  const counters = new CounterKeeper(target, schema, false);
  const clock = options.clock ?? noClock;
  await clock.time('lock', () => target.begin(schema, { ...beginOptions(options), copying: rows }));
  try {
    if (!(await clock.time('recheck', () => target.isEmpty(schema)))) {
      await target.rollback();
      return undefined;
    }
    await clock.time('counters', () => counters.start());
    let streamed = 0;
    const { stopAbove } = options;
    const counted = countingRows(rows, (n) => {
      // Thrown inside the source stream: the copy stops at once and everything rolls back.
      if (stopAbove && n > stopAbove.rows) throw stopAbove.error();
      streamed = n;
      options.onProgress?.(n);
    });
    const { inserted, imaged } = await clock.time('copy', () =>
      copyAndImage(target, schema, counted, () => streamed, options),
    );
    if (options.decide && !(await options.decide(inserted))) {
      await target.rollback();
      await counters.afterEnd(false);
      return undefined;
    }
    const intended = { inserted, updated: 0, deleted: 0 };
    const allowed = options.maxChanges !== undefined && inserted <= options.maxChanges;
    if (inserted > options.shown && !allowed) {
      await target.rollback();
      await counters.afterEnd(false);
      const plan = { missing: inserted, changed: 0, extra: 0, same: 0 };
      return { grown: true, plan, intended, grew: [`insert ${options.shown} → ${inserted}`], samples: [] };
    }
    await clock.time('counters', () => counters.afterWrites());
    const present = await clock.time('verify', () => target.count(schema));
    // The post-image's sync ran while the server counted; it must be on disk before COMMIT.
    await clock.time('post-image', () => imaged);
    // Every row sent must have landed: none skipped as a duplicate, none added by anyone else.
    const mismatched = Math.abs(present - inserted) + Math.abs(streamed - inserted);
    const judged = judgeVerification(
      schema,
      { checked: inserted, mismatched, absent: mismatched, present: 0, columns: {} },
      judgeContext(target, options, inserted, 'the source'),
    );
    await clock.time('commit', () => target.commit());
    await clock.time('counters', () => counters.afterEnd(true));
    return {
      plan: { missing: inserted, changed: 0, extra: 0, same: 0 },
      applied: intended,
      verification: judged.verification,
      counters: counters.moves(),
      warnings: [...judged.warnings, ...counters.warnings],
      replanned: false,
    };
  } catch (error) {
    await target.rollback();
    await counters.afterEnd(false);
    throw error;
  }
}

/**
 * Streams rows into the target and, at the same pace, into the undo file; either failing stops both.
 * `counted()`: the rows streamed so far (the post-image is not counted twice).
 * Returns once the copy is done; `imaged` settles once the post-image is synced, which may be later (the
 * caller awaits it before COMMIT, letting the disk sync while the server verifies).
 */
async function copyAndImage(
  target: Connection,
  schema: TableSchema,
  rows: RowStream,
  counted: () => number,
  options: DirectOptions,
): Promise<{ inserted: number; imaged: Promise<number> }> {
  const { a, b, pumped } = tee(rows);
  const copying = target.copyIn(schema, a, { columns: options.columns }).catch((error: unknown) => {
    b.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  });
  const imaging = options.undo
    .writeAfter({ columns: options.columns, origin: false }, b, counted)
    .catch((error: unknown) => {
      a.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
  // Handled where it is awaited; a rollback that never awaits it must not surface it as unhandled.
  imaging.catch(() => {});
  const [pump, copied] = await Promise.allSettled([pumped, copying]);
  // The source's own error first (a truncated file, --max-changes passed): the others only echo it.
  for (const outcome of [pump, copied]) {
    if (outcome.status === 'rejected') {
      await imaging.catch(() => {});
      throw outcome.reason;
    }
  }
  return { inserted: (copied as PromiseFulfilledResult<number>).value, imaged: imaging };
}
