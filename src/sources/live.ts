import { RowbackError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { describeTable } from '../core/resolve.js';
import type { OpenSourceOptions, Source } from '../core/source.js';
import type { TableSchema } from '../core/table.js';
import type { Engine } from '../engines/engine.js';
import { refuseZeroDates } from './zero-dates.js';

/**
 * The live source: a connection to an instance that holds the past state (a point-in-time restore, a
 * replica stopped before the accident, a backup file). Same engine as the target; reads with the
 * target's settings, through a session that never writes.
 */
export async function openLiveSource(
  engine: Engine,
  url: string,
  options: OpenSourceOptions,
): Promise<Source> {
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
    readOnly: true,
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
  });
  return {
    label: connection.redactedUrl,
    engine: engine.name,
    describe: (table, key) => describeTable(connection, table, 'source', key),
    checkWhere: (schema, where) => connection.checkWhere(schema, where),
    size: async (schema, where) => ({ rows: await connection.count(schema, where) }),
    read: (schema, readOptions) => {
      const rows = connection.read(schema, readOptions);
      // Rows on their way into the target (staged, direct or merged), not a diff's read, meet its sql_mode.
      // A merge read's match fields follow the columns, so the columns' fields are where the check looks.
      if (engine.name !== 'mysql' || (readOptions.merge && !readOptions.intoTarget)) return rows;
      return refuseZeroDates(rows, schema, readOptions.columns, options.profile, 'source');
    },
    ordersByKey: true,
    readsGenerated: true,
    identity: (schema: TableSchema) => connection.identity(schema),
    counters: (schema: TableSchema) => connection.counters(schema),
    cancel: () => connection.cancel(),
    close: () => connection.close(),
  };
}
