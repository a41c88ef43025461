import { RowbackError } from '../core/errors.js';
import { redactUrl, registerUrlSecrets } from '../core/redact.js';
import { describeTable } from '../core/resolve.js';
import { engineForUrl } from '../engines/index.js';
import type { OpenSourceOptions, Source } from './source.js';

/**
 * The live source: a connection to an instance that holds the past state (a point-in-time restore, a
 * replica stopped before the accident). Same engine as the target; reads with the target's settings.
 */
export async function openLiveSource(url: string, options: OpenSourceOptions): Promise<Source> {
  registerUrlSecrets(url);
  const engine = await engineForUrl(url);
  if (engine.name !== options.targetEngine) {
    throw new RowbackError(
      'unsupported',
      `The source ${redactUrl(url)} is ${engine.name} and the target is ${options.targetEngine}.`,
      { hint: 'A live source must be the same engine as the target.' },
    );
  }
  const connection = await engine.connect(url, {
    profile: options.profile,
    applicationName: 'rowback (source)',
  });
  return {
    label: connection.redactedUrl,
    engine: engine.name,
    describe: (table, key) => describeTable(connection, table, 'source', key),
    checkWhere: (schema, where) => connection.checkWhere(schema, where),
    count: (schema, where) => connection.count(schema, where),
    read: (schema, readOptions) => connection.read(schema, readOptions),
    cancel: () => connection.cancel(),
    close: () => connection.close(),
  };
}
