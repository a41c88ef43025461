import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { RowbackError } from '../../core/errors.js';
import { countRows } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import type { ApplyOptions, ApplyResult } from '../legacy.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { moveSequences } from './sequences.js';
import { columnList, qualified } from './sql.js';
import { checkCancelled, disableTriggers, lockTarget, rollback } from './transaction.js';

export type DirectOptions = StageOptions & Omit<ApplyOptions, 'policy' | 'expected' | 'where' | 'onProgress'>;

/**
 * Copies every chunk to `side` as it passes, waiting when `side` is full so memory stays constant
 * (the undo writer then paces the COPY).
 */
function tee(side: PassThrough, onRows: (rows: number) => void): Transform {
  let rows = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      rows += countRows(chunk);
      onRows(rows);
      if (side.write(chunk)) done(null, chunk);
      else side.once('drain', () => done(null, chunk));
    },
    flush(done) {
      side.end();
      done();
    },
  });
}

/**
 * The direct path; see Connection.applyDirect. Declines (undefined, nothing written) when the target
 * has rows under the lock, when rows must be routed to inheritance children, or when user triggers could
 * make the post-image differ from the bytes streamed in.
 */
export async function applyDirect(
  session: PgSession,
  target: TableSchema,
  rows: RowStream,
  options: DirectOptions,
): Promise<ApplyResult | undefined> {
  if (options.origin || target.partitioning === 'inheritance') return undefined;
  if (target.triggers.length > 0 && !options.disableTriggers) return undefined;
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  let doing = `locking ${name}`;
  try {
    await client.query('BEGIN');
    if (options.disableTriggers) await disableTriggers(client);
    await lockTarget(client, target);
    const found = await client.query<{ any: boolean | string }>(
      `SELECT EXISTS (SELECT 1 FROM ${qualified(target.ref)}) AS any`,
    );
    if (String(found.rows[0]!.any) !== 'f' && String(found.rows[0]!.any) !== 'false') {
      await client.query('ROLLBACK');
      return undefined;
    }
    checkCancelled(session);
    doing = `copying rows into ${name}`;
    const side = new PassThrough();
    const sink = client.query(
      copyFrom(`COPY ${qualified(target.ref)} (${columnList(options.columns)}) FROM STDIN`),
    );
    // StageOptions and ApplyOptions both name a progress callback; the apply form (step, rows) is used.
    const onRows = (n: number) => options.onProgress?.(n);
    // Either side failing stops the other: a failed undo writer aborts the COPY (CopyFail, the server
    // rolls it back), a failed COPY ends the undo writer's stream with the error.
    const abort = new AbortController();
    const undoDone = options.undo.writeAfter(options.columns, false, side).catch((error: unknown) => {
      abort.abort(error);
      throw error;
    });
    const copying = pipeline(rows, tee(side, onRows), sink, { signal: abort.signal }).catch(
      (error: unknown) => {
        side.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      },
    );
    const [copied, undone] = await Promise.allSettled([copying, undoDone]);
    if (undone.status === 'rejected') throw undone.reason;
    if (copied.status === 'rejected') throw copied.reason;
    const inserted = sink.rowCount;
    checkCancelled(session);
    doing = `moving the sequences of ${name}`;
    const sequences = await moveSequences(client, target);
    doing = `checking the deferred constraints of ${name}`;
    // Deferred foreign keys would only be checked at COMMIT: never on a dry run.
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    doing = `verifying ${name}`;
    const counted = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${qualified(target.ref)}`,
    );
    const present = Number(counted.rows[0]!.n);
    const verification = { checked: inserted, mismatched: Math.abs(present - inserted) };
    if (verification.mismatched > 0) {
      throw new RowbackError(
        'verify-failed',
        `After copying ${inserted} row(s) into ${name} it holds ${present}; the transaction was rolled back.`,
        { details: { verification } },
      );
    }
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return {
      plan: { missing: inserted, changed: 0, extra: 0, same: 0 },
      applied: { inserted, updated: 0, deleted: 0 },
      verification,
      sequences,
      warnings: [],
      direct: true,
    };
  } catch (error) {
    await rollback(session);
    throw mapError(error, doing, { interrupted: session.cancelled, rolledBack: true });
  }
}
