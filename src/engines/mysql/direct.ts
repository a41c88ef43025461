import { PassThrough } from 'node:stream';
import { countingRows } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import type { ApplyOptions, ApplyResult } from '../legacy.js';
import { beginLocked, checkApplicable, checkVerification, endTransaction, rollbackQuietly } from './apply.js';
import type { Session } from './connect.js';
import { quoteTable } from './sql.js';
import { columnTypes, loadRows, SKIPPED } from './stage.js';
import { raiseCounters, readCounters } from './verify.js';

export type DirectOptions = StageOptions & Omit<ApplyOptions, 'policy' | 'expected' | 'where' | 'onProgress'>;

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
    const fields = origin ? [...options.columns, SKIPPED] : options.columns;
    let streamed = 0;
    const counted = countingRows(rows, (n) => {
      streamed = n;
      options.onProgress?.(n);
    });
    const [forTarget, forUndo, pump] = tee(counted);
    const [outcome] = await Promise.all([
      loadRows(session, quoteTable(target.ref), fields, forTarget, name, columnTypes(target, fields)).catch(
        (error) => {
          forUndo.destroy();
          throw error;
        },
      ),
      options.undo.writeAfter(options.columns, origin, forUndo).catch((error) => {
        // Ends the load too (a destroyed stream ends LOAD DATA), so nothing waits for a reader that is gone.
        forTarget.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }),
      pump,
    ]);
    const present = Number(await session.scalar(`SELECT COUNT(*) FROM ${quoteTable(target.ref)}`));
    const inserted = outcome.affectedRows;
    // Every row sent must have landed: none skipped as a duplicate, none added by someone else.
    const mismatched = Math.abs(present - inserted) + Math.abs(streamed - inserted);
    const warnings: string[] = [];
    const counters = await readCounters(session, target);
    checkVerification(target, { checked: inserted, mismatched }, warnings, inserted);
    await endTransaction(session, !options.dryRun, options.skipForeignKeyChecks);
    if (!options.dryRun) await raiseCounters(session, target, counters, warnings);
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
  // A source error destroys both; each reader sees it through its own reads. Without a listener, a reader
  // that has not started (or has stopped) would crash the process instead.
  a.on('error', () => {});
  b.on('error', () => {});
  const room = (s: PassThrough) =>
    new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  const pump = (async () => {
    try {
      for await (const chunk of source) {
        if (a.destroyed || b.destroyed) break;
        a.write(chunk);
        b.write(chunk);
        // Asked after both writes: a reader may drain while the pump waits for the other.
        if (a.writableNeedDrain) await room(a);
        if (b.writableNeedDrain) await room(b);
      }
      if (!a.destroyed) a.end();
      if (!b.destroyed) b.end();
    } catch (error) {
      a.destroy(error as Error);
      b.destroy(error as Error);
      throw error;
    }
  })();
  return [a, b, pump];
}
