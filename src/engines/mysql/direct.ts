import { PassThrough } from 'node:stream';
import { countingRows } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import type { ApplyOptions, ApplyResult, RowStream, StageOptions } from '../engine.js';
import { beginLocked, checkApplicable, checkVerification, endTransaction, rollbackQuietly } from './apply.js';
import type { Session } from './connect.js';
import { quoteTable } from './sql.js';
import { columnTypes, loadRows } from './stage.js';
import { raiseCounters, readCounters } from './verify.js';

export type DirectOptions = StageOptions & Omit<ApplyOptions, 'policy' | 'expected' | 'where'>;

/**
 * The direct path (see Connection.applyDirect): lock, make sure the target is still empty, then LOAD DATA
 * straight into it while the same bytes go to the undo sink's post-image. Returns undefined, having written
 * nothing, when the target has rows under the lock or has triggers.
 */
export async function applyDirect(
  session: Session,
  target: TableSchema,
  rows: RowStream,
  options: DirectOptions,
): Promise<ApplyResult | undefined> {
  checkApplicable(target, options);
  // A trigger could rewrite rows on the way in, and the post-image here is the source bytes, not a re-read.
  if (target.triggers.length > 0) return undefined;
  const name = `${target.ref.schema}.${target.ref.name}`;
  try {
    await beginLocked(session, target, options.skipForeignKeyChecks);
    if ((await session.scalar(`SELECT EXISTS (SELECT 1 FROM ${quoteTable(target.ref)})`)) !== '0') {
      await endTransaction(session, false, options.skipForeignKeyChecks);
      return undefined;
    }
    const origin = options.origin ?? false;
    // The origin field is read into a variable and dropped: a MySQL partitioned table is one table.
    const fields = origin ? [...options.columns, '@rowback_origin'] : options.columns;
    const counted = options.onProgress ? countingRows(rows, options.onProgress) : rows;
    const [forTarget, forUndo, pump] = tee(counted);
    const [outcome, afterRows] = await Promise.all([
      loadRows(session, quoteTable(target.ref), fields, forTarget, name, columnTypes(target, fields)).catch(
        (error) => {
          forUndo.destroy();
          throw error;
        },
      ),
      options.undo.writeAfter(options.columns, origin, forUndo),
      pump,
    ]);
    const present = Number(await session.scalar(`SELECT COUNT(*) FROM ${quoteTable(target.ref)}`));
    const inserted = outcome.affectedRows;
    const mismatched = Math.abs(present - inserted) + Math.abs(afterRows - inserted);
    const warnings: string[] = [];
    const counters = await readCounters(session, target);
    checkVerification(target, { checked: inserted, mismatched }, warnings, inserted);
    await endTransaction(session, !options.dryRun, options.skipForeignKeyChecks);
    if (!options.dryRun) await raiseCounters(session, target, counters);
    return {
      plan: { missing: inserted, changed: 0, extra: 0, same: 0 },
      applied: { inserted, updated: 0, deleted: 0 },
      verification: { checked: inserted, mismatched },
      sequences: counters.map((c) => ({ name: c.name, value: c.value })),
      warnings,
      direct: true,
    };
  } catch (error) {
    await rollbackQuietly(session, options.skipForeignKeyChecks);
    throw session.wrap(error, `while loading rows straight into ${name}`);
  }
}

/**
 * Two readers of one stream, each with backpressure: the source advances when both have room. If either
 * reader stops, the pump ends both.
 */
function tee(source: RowStream): [PassThrough, PassThrough, Promise<void>] {
  const a = new PassThrough({ highWaterMark: 1 << 20 });
  const b = new PassThrough({ highWaterMark: 1 << 20 });
  const room = (s: PassThrough) =>
    new Promise<void>((resolve) => {
      s.once('drain', resolve);
      s.once('close', resolve);
    });
  const pump = (async () => {
    try {
      for await (const chunk of source) {
        if (a.destroyed || b.destroyed) break;
        const okA = a.write(chunk);
        const okB = b.write(chunk);
        if (!okA) await room(a);
        if (!okB) await room(b);
      }
      a.end();
      b.end();
    } catch (error) {
      a.destroy(error as Error);
      b.destroy(error as Error);
      throw error;
    }
  })();
  return [a, b, pump];
}
