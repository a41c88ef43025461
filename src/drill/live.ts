import type { AsOf } from '../core/as-of.js';
import type { Opener } from '../core/sessions.js';
import type { TableRef } from '../core/table.js';
import { Checksum, checksumRows, eachRow, fieldsOf } from './checksum.js';
import type { Scratch } from './scratch.js';
import type { DrillOptions, TableChecksum } from './types.js';

/** What the live table's count and checksum were taken of: its state at as-of, or now. */
export interface LiveChecksum extends TableChecksum {
  at: 'as-of' | 'now';
  /** Why the state at as-of could not be read, when it was asked for. */
  why?: string;
}

/**
 * The live table's count and checksum, read with the scratch's session settings (only read). At as-of
 * where the live server can say what the table was: a MySQL/MariaDB binlog knows every key changed since
 * and its row then (or that it did not exist), and the rows never touched since are today's. Elsewhere
 * (PostgreSQL keeps no history a client can read), or when the binlog cannot cover the moment: now.
 */
export async function checksumLive(
  ref: TableRef,
  columns: string[],
  scratch: Scratch,
  opener: Opener,
  options: DrillOptions & { live: string },
  asOf: AsOf | undefined,
): Promise<LiveChecksum> {
  const live = await opener.source(options.live, scratch.target, {
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
  });
  try {
    const schema = await live.value.describe(ref, options.key ?? []);
    const key = schema.key?.columns ?? [];
    let why: string | undefined;
    const positions = key.map((k) => columns.indexOf(k));
    if (asOf && scratch.engine === 'mysql' && key.length && positions.every((p) => p >= 0)) {
      try {
        const touched = await historySince(ref, columns, key, scratch, opener, options, asOf);
        const sum = touched.images;
        await eachRow(
          live.value.read(schema, { columns }),
          (line) => {
            if (!touched.keys.has(fieldsOf(line, positions))) sum.add(line);
          },
          options.signal,
        );
        return { ...sum.result(), at: 'as-of' };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        why = error instanceof Error ? error.message : String(error);
      }
    }
    return {
      ...(await checksumRows(live.value.read(schema, { columns }), options.signal)),
      at: 'now',
      ...(why ? { why } : {}),
    };
  } finally {
    await live.close();
  }
}

/**
 * From the live server's binlog: the rows as they were at as-of of every key changed since (summed), and
 * those keys together with the keys that did not exist then (as text, to leave today's rows of them out).
 */
async function historySince(
  ref: TableRef,
  columns: string[],
  key: string[],
  scratch: Scratch,
  opener: Opener,
  options: DrillOptions & { live: string },
  asOf: AsOf,
): Promise<{ images: Checksum; keys: Set<string> }> {
  const binlog = await opener.source(`binlog:${options.live}`, scratch.target, {
    asOf,
    table: options.table,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const schema = await binlog.value.describe(ref, key);
    const images = new Checksum();
    const keys = new Set<string>();
    const positions = key.map((k) => columns.indexOf(k));
    await eachRow(
      binlog.value.read(schema, { columns }),
      (line) => {
        images.add(line);
        keys.add(fieldsOf(line, positions));
      },
      options.signal,
    );
    const absent = binlog.value.absentKeys?.(schema, key);
    if (absent) await eachRow(absent, (line) => keys.add(line.toString('latin1')), options.signal);
    return { images, keys };
  } finally {
    await binlog.close();
  }
}
