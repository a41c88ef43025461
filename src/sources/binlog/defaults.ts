import { encodeField } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import type { SessionProfile } from '../../engines/engine.js';
import { openSession } from '../../engines/mysql/connect.js';

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * Each column's default as row text, as the server itself writes it (`DEFAULT(col)` over a row of a
 * temporary copy of the table, in a pinned session), for rows logged before the column was added. An expression default (CURRENT_TIMESTAMP, UUID()) gave old
 * rows the value of the moment of the ALTER, which nothing records: those, and columns without a default,
 * get the reason instead.
 */
export async function columnDefaults(
  url: string,
  profile: SessionProfile,
  table: TableSchema,
): Promise<Map<string, Buffer | string>> {
  const { session } = await openSession(url, { profile, applicationName: 'rowback (binlog)' });
  const out = new Map<string, Buffer | string>();
  try {
    const mariadb = /mariadb/i.test((await session.scalar('SELECT VERSION()')) ?? '');
    const rows = await session.text(
      `SELECT COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, EXTRA, DATA_TYPE FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
      [table.ref.schema, table.ref.name],
    );
    // DEFAULT(col) needs a row to read from: one row of defaults in a private temporary copy.
    const copy = quote(`rowback_defaults_${process.pid}`);
    try {
      await session.exec(
        `CREATE TEMPORARY TABLE ${copy} LIKE ${quote(table.ref.schema)}.${quote(table.ref.name)}`,
      );
      await session.exec("SET SESSION sql_mode = ''");
      await session.exec(`INSERT IGNORE INTO ${copy} () VALUES ()`);
    } catch (error) {
      // Needed only if a column was added since the moment: say why then, not now.
      const why = `its default could not be read (${error instanceof Error ? error.message : String(error)})`;
      for (const [name] of rows) out.set(name!.toLowerCase(), why);
      return out;
    }
    for (const [name, def, nullable, extra, type] of rows) {
      const key = name!.toLowerCase();
      if (/auto_increment/i.test(extra ?? '')) {
        out.set(key, 'it is an AUTO_INCREMENT column');
      } else if (def === null && nullable !== 'YES') {
        out.set(key, 'it has no default');
      } else if (isExpression(def ?? null, extra ?? '', mariadb)) {
        out.set(key, `its default is an expression (${def}) whose value at the ALTER was not logged`);
      } else {
        const value = /^(float|double|real)$/i.test(type ?? '')
          ? `CAST(DEFAULT(t.${quote(name!)}) AS DOUBLE)`
          : `DEFAULT(t.${quote(name!)})`;
        const [[text]] = (await session.run(`SELECT ${value} FROM ${copy} AS t LIMIT 1`)) as [
          [Buffer | null],
        ];
        out.set(key, encodeField(text ?? null));
      }
    }
  } finally {
    await session.close();
  }
  return out;
}

/** MySQL 8 marks expression defaults; MariaDB shows literals quoted or as numbers, and expressions as they are. */
function isExpression(def: string | null, extra: string, mariadb: boolean): boolean {
  if (def === null) return false;
  if (!mariadb) return /default_generated/i.test(extra);
  return !(
    def === 'NULL' ||
    def.startsWith("'") ||
    /^-?[\d.]+(e[+-]?\d+)?$/i.test(def) ||
    /^b'[01]*'$/i.test(def)
  );
}
