import { createHash } from 'node:crypto';
import { RowCursor } from '../core/row-cursor.js';
import type { RowStream } from '../engines/engine.js';
import type { TableChecksum } from './types.js';

const MOD = 1n << 64n;

/**
 * A table's row count and checksum: the sum of each row's SHA-256 (its first 64 bits), mod 2^64. The same
 * rows give the same checksum in any order, so two servers' tables compare without sorting, and a row that
 * differs in one byte changes it. Rows are hashed as the text row format carries them: the exact text of
 * each value, read with the same session settings on both sides.
 */
export class Checksum {
  private count = 0;
  private sum = 0n;

  add(line: Buffer): void {
    this.sum += createHash('sha256').update(line).digest().readBigUInt64BE(0);
    if ((++this.count & 0xffff) === 0) this.sum %= MOD;
  }

  result(): TableChecksum {
    return { rows: this.count, checksum: (this.sum % MOD).toString(16).padStart(16, '0') };
  }
}

/** Calls `each` with every line (row) of a stream; stops with the signal. */
export async function eachRow(
  rows: RowStream,
  each: (line: Buffer) => void,
  signal?: AbortSignal,
): Promise<void> {
  const cursor = new RowCursor(rows);
  try {
    for (let n = 1; ; n++) {
      const line = cursor.next() ?? (await cursor.nextAsync());
      if (line === undefined) return;
      each(line);
      if ((n & 0xffff) === 0) signal?.throwIfAborted();
    }
  } finally {
    await cursor.close();
  }
}

/** The row count and checksum of a stream of rows. */
export async function checksumRows(rows: RowStream, signal?: AbortSignal): Promise<TableChecksum> {
  const sum = new Checksum();
  await eachRow(rows, (line) => sum.add(line), signal);
  return sum.result();
}

/** The fields at `positions` of a text-row-format line, as one string (tabs in values are escaped). */
export function fieldsOf(line: Buffer, positions: number[]): string {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === 0x09) {
      fields.push(line.toString('latin1', start, i));
      start = i + 1;
    }
  }
  return positions.map((p) => fields[p] ?? '').join('\t');
}
