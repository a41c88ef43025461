import { RowbackError } from '../core/errors.js';
import type { OpenSourceOptions, Source } from '../core/source.js';

/**
 * Opens a source that is not a database of the target's engine (`src/open.ts` opens those as live
 * sources): dump files, binlog, journal and cloud later.
 */
export async function openSource(from: string, _options: OpenSourceOptions): Promise<Source> {
  throw new RowbackError('usage', `rowback cannot read "${from}" as a source yet.`, {
    hint: 'Give a connection URL to an instance holding the past state: postgres://… or mysql://…',
  });
}

export type { Source } from '../core/source.js';
