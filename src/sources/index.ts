import { RowbackError } from '../core/errors.js';
import { isDatabaseUrl } from '../engines/index.js';
import { openLiveSource } from './live.js';
import type { OpenSourceOptions, Source } from './source.js';

/** Opens the source named by `--from`: a database URL today; dump files, binlog, journal and cloud later. */
export async function openSource(from: string, options: OpenSourceOptions): Promise<Source> {
  if (isDatabaseUrl(from)) return openLiveSource(from, options);
  throw new RowbackError('usage', `rowback cannot read "${from}" as a source yet.`, {
    hint: 'Give a connection URL to an instance holding the past state: postgres://… or mysql://…',
  });
}

export type { Source } from './source.js';
