import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SAKILA_DIR, type SqlClient } from '../../harness/index.js';

/**
 * Sakila on MySQL: the real MySQL schema file, with rows taken from the PostgreSQL data file's COPY blocks
 * (the only copy of the data in the dataset), mapped to the MySQL columns.
 */

/** The statements of a mysql client script: `DELIMITER` lines change the terminator; `--` lines are comments. */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let delimiter = ';';
  let current: string[] = [];
  for (const line of script.split('\n')) {
    const trimmed = line.trim();
    const change = /^DELIMITER\s+(\S+)$/i.exec(trimmed);
    if (change) {
      delimiter = change[1]!;
      continue;
    }
    if (current.length === 0 && (trimmed === '' || trimmed.startsWith('--'))) continue;
    if (trimmed.endsWith(delimiter)) {
      current.push(line.slice(0, line.lastIndexOf(delimiter)));
      statements.push(current.join('\n').trim());
      current = [];
    } else {
      current.push(line);
    }
  }
  return statements.filter((s) => s !== '');
}

/** One COPY block: its column names and its rows, each value decoded from COPY text (null for `\N`). */
export interface CopyBlock {
  columns: string[];
  rows: (string | null)[][];
}

/** The COPY blocks of a pg_dump data file, by table name (without the schema). */
export function parseCopyBlocks(dump: string, tables: string[]): Map<string, CopyBlock> {
  const blocks = new Map<string, CopyBlock>();
  const lines = dump.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^COPY (?:\w+\.)?(\w+) \(([^)]*)\) FROM stdin;$/.exec(lines[i]!);
    if (!head || !tables.includes(head[1]!)) continue;
    const block: CopyBlock = { columns: head[2]!.split(', '), rows: [] };
    for (i++; lines[i] !== '\\.'; i++) block.rows.push(lines[i]!.split('\t').map(decodeCopyValue));
    blocks.set(head[1]!, block);
  }
  return blocks;
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeCopyValue(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return COPY_ESCAPES[e] ?? e;
  });
}

/** The tables `payment` needs (itself and every foreign key parent, transitively), parents first. */
export const PAYMENT_TABLES = [
  'language',
  'country',
  'city',
  'address',
  'film',
  'staff',
  'store',
  'customer',
  'inventory',
  'rental',
  'payment',
];

/** PostgreSQL-only columns, and how a PostgreSQL value becomes the MySQL column's. */
const DROPPED = new Set(['fulltext', 'activebool']);
const CONVERT: Record<string, (value: string) => string> = {
  // boolean → BOOLEAN (TINYINT(1))
  'staff.active': (v) => (v === 't' ? '1' : '0'),
  // text[] → SET: {Trailers,"Behind the Scenes"} → Trailers,Behind the Scenes
  'film.special_features': (v) => v.replace(/^\{|\}$/g, '').replace(/"/g, ''),
};
/** MySQL's payment has a last_update that PostgreSQL's lacks: fixed, so both sides agree. */
const ADDED: Record<string, [string, string][]> = { payment: [['last_update', '2006-02-15 22:12:30']] };

/** A literal that parses the same with or without NO_BACKSLASH_ESCAPES and ANSI_QUOTES. */
function literal(value: string | null): string {
  if (value === null) return 'NULL';
  if (/^[\w .:@-]*$/.test(value)) return `'${value}'`;
  return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

/** INSERT statements (1,000 rows each) for the given tables' rows from the PostgreSQL data file. */
export async function sakilaInserts(tables: string[]): Promise<string[]> {
  const dump = await readFile(join(SAKILA_DIR, 'postgres-sakila-insert-data-using-copy.sql'), 'utf8');
  const blocks = parseCopyBlocks(dump, tables);
  const statements: string[] = [];
  for (const table of tables) {
    const block = blocks.get(table);
    if (!block) throw new Error(`no COPY block for ${table} in the Sakila data`);
    const kept = block.columns.map((c, i) => [c, i] as const).filter(([c]) => !DROPPED.has(c));
    const added = ADDED[table] ?? [];
    const names = [...kept.map(([c]) => c), ...added.map(([c]) => c)].map((c) => `\`${c}\``);
    const tuples = block.rows.map((row) => {
      const values = kept.map(([c, i]) => {
        const value = row[i] ?? null;
        const convert = CONVERT[`${table}.${c}`];
        return literal(value !== null && convert ? convert(value) : value);
      });
      return `(${[...values, ...added.map(([, v]) => literal(v))].join(', ')})`;
    });
    for (let i = 0; i < tuples.length; i += 1000) {
      statements.push(
        `INSERT INTO \`${table}\` (${names.join(', ')}) VALUES ${tuples.slice(i, i + 1000).join(', ')}`,
      );
    }
  }
  return statements;
}

/** Creates the MySQL Sakila schema (tables, triggers, views, routines) and loads `tables` into it. */
export async function loadSakila(client: SqlClient, tables: string[], inserts: string[]): Promise<void> {
  const schema = await readFile(join(SAKILA_DIR, 'mysql-sakila-schema.sql'), 'utf8');
  // The scratch database is the client's current one: no sakila schema of its own.
  const own = splitStatements(schema)
    .filter((s) => !/^(DROP SCHEMA|CREATE SCHEMA|USE)\b/i.test(s))
    .map((s) => s.replace(/\bsakila\./g, ''));
  for (const statement of own) await client.exec(statement);
  await client.exec('SET FOREIGN_KEY_CHECKS = 0');
  try {
    for (const statement of inserts) await client.exec(statement);
  } finally {
    await client.exec('SET FOREIGN_KEY_CHECKS = 1');
  }
  for (const table of tables) await client.exec(`ANALYZE TABLE \`${table}\``);
}
