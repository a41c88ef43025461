import { RowbackError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';

/** The contract a source implements lives in the core, which drives it; see `live.ts` as an example. */
export type { OpenSourceOptions, Source } from '../core/source.js';

/** A --from path with nothing behind it, said the same whichever step finds it missing. */
export function noSuchFile(path: string): RowbackError {
  return new RowbackError('not-found', `There is no file ${redactUrl(path)}.`, {
    hint: 'Give the path of a dump file (pg_dump, mysqldump), or a connection URL.',
  });
}
