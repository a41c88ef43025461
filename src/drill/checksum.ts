import { createHash } from 'node:crypto';
import { RowCursor } from '../core/row-cursor.js';
import type { RowStream } from '../engines/engine.js';
import type { TableChecksum } from './types.js';

const MOD = 1n << 64n;

/**
 * Counts the rows of a stream and sums their SHA-256 digests (the first 64 bits of each, mod 2^64): the
 * same rows give the same checksum in any order, so two servers' tables compare without sorting, and a
 * row that differs in one byte changes it. Rows are hashed as the text row format carries them: the
 * exact text of each value, read with the same session settings on both sides.
 */
export async function checksumRows(rows: RowStream, signal?: AbortSignal): Promise<TableChecksum> {
  const cursor = new RowCursor(rows);
  let count = 0;
  let sum = 0n;
  for (;;) {
    const line = cursor.next() ?? (await cursor.nextAsync());
    if (line === undefined) break;
    sum += createHash('sha256').update(line).digest().readBigUInt64BE(0);
    count++;
    if ((count & 0xffff) === 0) {
      sum %= MOD;
      signal?.throwIfAborted();
    }
  }
  return { rows: count, checksum: (sum % MOD).toString(16).padStart(16, '0') };
}
