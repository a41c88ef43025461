import { join } from 'node:path';
import type { Connection, RowStream, Staged } from '../engines/engine.js';
import { beginOptions } from './apply.js';
import { CounterKeeper } from './counters.js';
import { directPathFits } from './direct.js';
import { RowbackError } from './errors.js';
import { judgeContext, judgeVerification } from './judge.js';
import type { Preview, RestoreReport } from './options.js';
import { mergeOrdered, type OrderedInput, type OrderedResult } from './ordered-merge.js';
import type { PlanCounts } from './plan.js';
import { totalWrites } from './policy.js';
import { type Prepared, progressSize } from './prepare.js';
import { inspect, previewOf } from './preview.js';
import { confirmPreview, identityNow, type Run, report, unapplied } from './restore-run.js';
import { planCounts } from './restrict.js';
import { bothSinks, RowPipe } from './row-pipe.js';
import { RowSpill } from './row-spill.js';
import { imageColumns, type TableSchema } from './table.js';
import { openUndoFile, type UndoFileWriter } from './undo-file.js';

/**
 * Whether the ordered merge may run: nobody to confirm (what is shown is what is applied), a live source
 * that reads in key order with the target's key, and nothing that makes a row written by COPY differ
 * from the row sent (the direct path's conditions: no triggers, rules, foreign keys, inheritance, generated
 * key). Every option that narrows or reshapes the plan (--where, --columns, --target-where, --backout,
 * a keys-coverage source, --extra delete, a dry run) takes the staged path; so do a key no unique index
 * enforces and columns typed otherwise on the two sides.
 */
export function orderedMergeFits(run: Run): boolean {
  const { p, options, policy } = run;
  const target = p.sessions.target;
  const source = p.sessions.source;
  const images = imageColumns(p.target).map((c) => c.name);
  return (
    target.engine.capabilities.orderedMerge &&
    !options.confirm &&
    directPathFits(p, options) &&
    source.ordersByKey === true &&
    p.coverage === 'table' &&
    p.where === undefined &&
    p.restriction.columns === undefined &&
    p.restriction.targetWhere === undefined &&
    p.readRows === undefined &&
    p.backout === undefined &&
    policy.extra === 'keep' &&
    (p.target.key?.origin === 'primary' || p.target.key?.origin === 'unique') &&
    // The post-image holds the inserted rows as sent and the updated ones as read: the same columns.
    images.length === p.columns.length &&
    images.every((c, i) => p.columns[i] === c) &&
    p.columns.every((c) => sameType(p, c))
  );
}

function sameType(p: Prepared, column: string): boolean {
  const a = p.source.columns.find((c) => c.name === column)?.type;
  const b = p.target.columns.find((c) => c.name === column)?.type;
  return a !== undefined && a === b;
}

/**
 * The merge at copy speed, in ONE transaction: lock the target; read the source and the target in key
 * order and merge them in rowback (classification under the lock); the rows whose text differs are
 * staged and classified by the server as the staged path does; show the plan and refuse what must be
 * refused (rolled back, nothing written); keep the pre-image of the rows to update; update them; COPY the
 * missing rows straight in; keep the post-image (the updated rows as read back, the inserted rows as
 * sent); move counters; verify (every row sent landed, the table grew by exactly that, the updated rows
 * hold the staged text); COMMIT. Undefined, having written nothing, when the key cannot be merged exactly.
 */
export async function restoreOrdered(run: Run): Promise<RestoreReport | undefined> {
  const { p, options, policy, clock } = run;
  const target = p.sessions.target;
  const merge = await target.mergeKey(p.target).catch(() => undefined);
  if (!merge?.exact) return undefined;
  const progress = options.onProgress ?? (() => {});
  const schema = p.target;
  const undo = await openUndoFile(run.stateDir, p, run.id);
  const missing = await RowSpill.create(join(undo.dir, 'merge-missing.rows'));
  const differing = await RowSpill.create(join(undo.dir, 'merge-differing.rows'));
  const counters = new CounterKeeper(target, schema, false);
  let shown: Preview | undefined;
  let staged: Staged | undefined;
  try {
    await clock.time('lock', () => target.begin(schema, beginOptions(options)));
    progress({ step: 'plan', message: 'merging the source with the target in key order' });
    // Where counters stand before the missing rows go in (the reused-keys warning compares them).
    await clock.time('counters', () => counters.start());
    const before = schema.sequences.length > 0 ? await target.counters(schema) : [];
    const read = { columns: p.columns, merge };
    const total = (await progressSize(p)).rows;
    const input = {
      source: p.sessions.source.read(p.source, { ...read, intoTarget: true }),
      columns: p.columns,
      merge,
      samples: options.samples ?? 5,
      differing,
      onRows: (rows: number) =>
        progress({ step: 'compare', rows, ...(total === undefined ? {} : { total }) }),
    };
    let inserted: number | undefined;
    let merged: OrderedResult;
    if (target.readBeside) {
      // One pipe: the target read beside, the missing rows copied in as they are found.
      const reading = target.readBeside(schema, read);
      ({ merged, inserted } = await clock.time('merge', () =>
        mergeAndCopy(target, schema, p.columns, { ...input, target: reading }, missing),
      ));
    } else {
      merged = await clock.time('merge', () =>
        mergeOrdered({ ...input, target: target.read(schema, read), missing }),
      );
    }
    // The few rows whose text differs: staged and classified by the server, by the column types.
    const differ = await clock.time('stage', () =>
      target.stage(schema, differing.read(), { columns: p.columns, clock }),
    );
    staged = differ;
    const plan = await clock.time('classify', () => target.classify(differ, { absent: differ }));
    const compared = await planCounts(target, plan);
    // Keys the merge found on both sides are on both sides for the server too, with an exact key.
    if (compared.missing > 0 || compared.extra > 0) {
      throw new RowbackError(
        'internal',
        'The key-ordered merge and the server disagree about which keys exist; nothing was written.',
        {
          hint: 'Report this as a bug.',
        },
      );
    }
    const counts: PlanCounts = {
      missing: merged.plan.missing,
      changed: compared.changed,
      extra: merged.plan.extra,
      same: merged.plan.same + compared.same,
    };
    const known = {
      counters: before,
      ...(merged.largestKey === undefined ? {} : { largest: { [p.key[0]!]: merged.largestKey } }),
    };
    const c = await inspect(p, plan, compared, policy, options.samples ?? 5, clock, known);
    const samples = [
      ...merged.samples.filter((s) => s.class === 'missing'),
      ...c.samples,
      ...merged.samples.filter((s) => s.class === 'extra'),
    ];
    shown = previewOf(p, run.id, policy, counts, { ...c, samples });
    if (totalWrites(shown.intended) === 0) {
      await target.rollback();
      await counters.afterEnd(false);
      await undo.finish('rolled-back');
      return unapplied(run, shown, 'nothing-to-do');
    }
    // Refused here (--max-changes) the transaction rolls back: nothing was written.
    await confirmPreview(run, shown);
    const columns = imageColumns(schema).map((col) => col.name);
    const update = policy.changed === 'take-source' && compared.changed > 0;
    if (update) {
      await clock.time('pre-image', () => undo.writeBefore(columns, false, target.image(plan, ['changed'])));
    }
    const updated = update ? await clock.time('update', () => target.updateChanged(plan)) : 0;
    progress({ step: 'apply', rows: updated, message: 'update' });
    inserted ??= await clock.time('insert', () =>
      target.copyIn(schema, missing.read(), { columns: p.columns }),
    );
    progress({ step: 'apply', rows: inserted, message: 'insert' });
    // The spill of the inserted rows becomes the post-image, the updated rows (as read back) appended.
    await clock.time('post-image', () =>
      undo.adoptAfter(columns, missing.path, missing.rows, updatedImage(target, plan, update)),
    );
    await clock.time('counters', () => counters.afterWrites());
    const result = await clock.time('verify', () =>
      verifyOrdered(target, run, plan, update, {
        sent: missing.rows,
        inserted,
        expected: merged.targetRows + missing.rows,
      }),
    );
    const applied = { inserted, updated, deleted: 0 };
    const judged = judgeVerification(
      schema,
      result,
      judgeContext(target, options, inserted + updated, 'the source'),
    );
    await clock.time('commit', () => target.commit());
    await clock.time('counters', () => counters.afterEnd(true));
    await Promise.all([missing.remove(), differing.remove()]);
    await undo.finish('committed', applied, await identityNow(p));
    return report(
      run,
      shown,
      {
        plan: counts,
        applied,
        verification: judged.verification,
        counters: counters.moves(),
        warnings: [...judged.warnings, ...counters.warnings],
        replanned: false,
      },
      'merge',
      'applied',
      undo.dir,
    );
  } catch (error) {
    await target.rollback();
    await counters.afterEnd(false);
    await rolledBack(undo);
    throw error;
  } finally {
    await Promise.allSettled([missing.remove(), differing.remove()]);
    if (staged) await target.dropStaged(staged).catch(() => {});
  }
}

/**
 * Merges while the missing rows stream into the target (and into the spill the post-image is read from):
 * the read of the target must go through another session, this one is busy with the COPY. Either side
 * failing stops the other.
 */
async function mergeAndCopy(
  target: Connection,
  schema: TableSchema,
  columns: string[],
  input: Omit<OrderedInput, 'missing'>,
  spill: RowSpill,
): Promise<{ merged: OrderedResult; inserted: number }> {
  const pipe = new RowPipe();
  const copying = target.copyIn(schema, pipe.stream, { columns }).catch((error: unknown) => {
    pipe.fail(error);
    throw error;
  });
  const merging = mergeOrdered({ ...input, missing: bothSinks(pipe, spill) }).catch((error: unknown) => {
    pipe.fail(error);
    throw error;
  });
  const [merged, copied] = await Promise.allSettled([merging, copying]);
  // The merge's own error first: a COPY stopped by it only says that the rows stopped.
  if (merged.status === 'rejected') throw merged.reason;
  if (copied.status === 'rejected') throw copied.reason;
  return { merged: merged.value, inserted: copied.value };
}

async function rolledBack(undo: UndoFileWriter): Promise<void> {
  await undo.finish('rolled-back').catch(() => {});
}

/** The updated rows as the target holds them now, then the inserted rows as they were sent. */
async function* updatedImage(
  target: Connection,
  plan: Parameters<Connection['image']>[0],
  update: boolean,
): RowStream {
  if (update) yield* target.image(plan, ['changed']);
}

/**
 * Every row sent landed (COPY counted each, none skipped), the table holds exactly those more than it did
 * (nothing else was added or lost: the lock keeps other writers out, and no trigger or rule can act), and
 * the updated rows hold the staged text. The inserted rows are not read back: with nothing between COPY
 * and the table that could rewrite a row, the count is the proof, as on the direct path.
 */
async function verifyOrdered(
  target: Connection,
  run: Run,
  plan: Parameters<Connection['verify']>[0],
  update: boolean,
  copied: { sent: number; inserted: number; expected: number },
) {
  const present = await target.count(run.p.target);
  const lost = Math.abs(copied.sent - copied.inserted) + Math.abs(present - copied.expected);
  const changed = update
    ? await target.verify(plan, ['changed'], false)
    : { checked: 0, mismatched: 0, absent: 0, present: 0, columns: {} };
  return {
    checked: changed.checked + copied.inserted,
    mismatched: changed.mismatched + lost,
    absent: changed.absent + lost,
    present: changed.present,
    columns: changed.columns,
  };
}
