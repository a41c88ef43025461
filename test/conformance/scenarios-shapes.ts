import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, row, sharedTable } from './text.js';

/** Tables whose shape differs between source and target, and every byte and control character. */

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join('');
const REVERSED = Array.from({ length: 256 }, (_, i) => (255 - i).toString(16).padStart(2, '0')).join('');
/** U+0001…U+007F: every ASCII character but NUL, as the row format writes it (tab, newline, CR, backslash escaped). */
const ASCII = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join('');
const ASCII_TEXT = ASCII.replace(/\\/g, '\\\\')
  .replace(/\t/g, '\\t')
  .replace(/\n/g, '\\n')
  .replace(/\r/g, '\\r');

export const SHAPE_SCENARIOS: Scenario[] = [
  {
    name: 'restores every byte value in binary columns and every ASCII control character in text',
    table: 'raw',
    orderBy: ['id'],
    ddl: {
      postgres: ['CREATE TABLE raw (id int PRIMARY KEY, b bytea, t text)'],
      mysql: [`CREATE TABLE raw (id int PRIMARY KEY, b BLOB, t TEXT) ${MYSQL_TABLE}`],
    },
    seed: {
      postgres: [
        `INSERT INTO raw SELECT 1, decode('${ALL_BYTES}', 'hex'), string_agg(chr(i), '' ORDER BY i)
           FROM generate_series(1, 127) AS i`,
        `INSERT INTO raw VALUES (2, decode('${REVERSED}', 'hex'), 'two')`,
      ],
      mysql: [
        `INSERT INTO raw VALUES (1, X'${ALL_BYTES}',
           CHAR(${Array.from({ length: 127 }, (_, i) => i + 1).join(', ')} USING utf8mb4))`,
        `INSERT INTO raw VALUES (2, X'${REVERSED}', 'two')`,
      ],
      sqlite: [
        `INSERT INTO raw SELECT 1, X'${ALL_BYTES}', (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 127)
           SELECT group_concat(char(i), '' ORDER BY i) FROM c)`,
        `INSERT INTO raw VALUES (2, X'${REVERSED}', 'two')`,
      ],
    },
    accident: ['DELETE FROM raw WHERE id = 1', `UPDATE raw SET t = 'TWO' WHERE id = 2`],
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 1, changed: 1, extra: 0, same: 0 },
      applied: { inserted: 1, updated: 1, deleted: 0 },
      final: [row('1', `\\\\x${ALL_BYTES}`, ASCII_TEXT), row('2', `\\\\x${REVERSED}`, 'two')],
    },
  },
  {
    // the target was migrated since: columns reordered (PostgreSQL keeps a dropped column behind) and one added
    name: 'matches columns by name when the target has reordered them and added one with a default',
    table: 'migrated',
    orderBy: ['id'],
    ddl: {
      postgres: ['CREATE TABLE migrated (id int PRIMARY KEY, a text, b text)'],
      mysql: [`CREATE TABLE migrated (id int PRIMARY KEY, a varchar(10), b varchar(10)) ${MYSQL_TABLE}`],
    },
    seed: [`INSERT INTO migrated VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2'), (3, 'a3', 'b3')`],
    accident: {
      postgres: [
        'ALTER TABLE migrated RENAME COLUMN a TO a_old',
        'ALTER TABLE migrated ADD COLUMN a text',
        'UPDATE migrated SET a = a_old',
        'ALTER TABLE migrated DROP COLUMN a_old',
        'ALTER TABLE migrated ADD COLUMN flag int NOT NULL DEFAULT 7',
        'DELETE FROM migrated WHERE id IN (1, 3)',
        `UPDATE migrated SET b = 'B2'`,
      ],
      mysql: [
        'ALTER TABLE migrated MODIFY a varchar(10) AFTER b',
        'ALTER TABLE migrated ADD COLUMN flag int NOT NULL DEFAULT 7',
        'DELETE FROM migrated WHERE id IN (1, 3)',
        `UPDATE migrated SET b = 'B2'`,
      ],
    },
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 2, changed: 1, extra: 0, same: 0 },
      applied: { inserted: 2, updated: 1, deleted: 0 },
      final: [row('1', 'b1', 'a1', '7'), row('2', 'b2', 'a2', '7'), row('3', 'b3', 'a3', '7')],
    },
  },
  {
    name: 'restores a partitioned table across its partitions',
    notOn: { sqlite: 'SQLite has no partitioned tables' },
    table: 'events',
    orderBy: ['id', 'day'],
    ddl: {
      postgres: [
        'CREATE TABLE events (id int, day date, note text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)',
        `CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`,
        `CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
      ],
      mysql: [
        `CREATE TABLE events (id int, day date, note varchar(20), PRIMARY KEY (id, day)) ${MYSQL_TABLE}
           PARTITION BY RANGE COLUMNS (day) (PARTITION p2025 VALUES LESS THAN ('2026-01-01'),
           PARTITION p2026 VALUES LESS THAN ('2027-01-01'))`,
      ],
    },
    seed: [
      `INSERT INTO events VALUES (1, '2025-03-01', 'a'), (2, '2025-12-31', 'b'), (3, '2026-01-01', 'c'),
         (4, '2026-06-30', 'd')`,
    ],
    accident: [`DELETE FROM events WHERE day < '2026-01-01'`, `UPDATE events SET note = 'D' WHERE id = 4`],
    options: { changed: 'take-source', extra: 'delete' },
    expect: {
      plan: { missing: 2, changed: 1, extra: 0, same: 1 },
      applied: { inserted: 2, updated: 1, deleted: 0 },
      final: [
        row('1', '2025-03-01', 'a'),
        row('2', '2025-12-31', 'b'),
        row('3', '2026-01-01', 'c'),
        row('4', '2026-06-30', 'd'),
      ],
    },
  },
  {
    // nothing to compare or update beyond the key: an UPDATE with an empty SET list would be a syntax error
    name: 'restores a table made only of its key columns',
    table: 'tags',
    orderBy: ['a', 'b'],
    ddl: sharedTable('CREATE TABLE tags (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a, b))'),
    seed: ['INSERT INTO tags VALUES (1, 1), (1, 2), (2, 1)'],
    accident: ['DELETE FROM tags WHERE a = 1', 'INSERT INTO tags VALUES (3, 3)'],
    options: { changed: 'take-source', extra: 'delete' },
    expect: {
      plan: { missing: 2, changed: 0, extra: 1, same: 1 },
      applied: { inserted: 2, updated: 0, deleted: 1 },
      final: [row('1', '1'), row('1', '2'), row('2', '1')],
    },
  },
  {
    name: 'an empty source with --extra delete empties the target',
    table: 'drafts',
    orderBy: ['id'],
    ddl: sharedTable('CREATE TABLE drafts (id int PRIMARY KEY, body varchar(10))'),
    seed: [],
    accident: [`INSERT INTO drafts VALUES (1, 'x'), (2, NULL), (3, '')`],
    options: { extra: 'delete' },
    expect: {
      plan: { missing: 0, changed: 0, extra: 3, same: 0 },
      applied: { inserted: 0, updated: 0, deleted: 3 },
      final: [],
    },
  },
  {
    // 2 MB of text with a tab every 4 bytes, 300 kB of backslashes: rows and escapes straddle chunk boundaries
    name: 'restores values larger than a stream chunk',
    table: 'blobs',
    orderBy: ['id'],
    ddl: {
      postgres: ['CREATE TABLE blobs (id int PRIMARY KEY, body text)'],
      mysql: [`CREATE TABLE blobs (id int PRIMARY KEY, body LONGTEXT) ${MYSQL_TABLE}`],
    },
    // a real tab inside the literal; a backslash by its code, since the engines read '\\' differently
    seed: {
      postgres: [
        `INSERT INTO blobs VALUES (1, repeat('abc\t', 500000)), (2, 'small'), (3, repeat(chr(92), 300000))`,
      ],
      mysql: [
        `INSERT INTO blobs VALUES (1, REPEAT('abc\t', 500000)), (2, 'small'), (3, REPEAT(CHAR(92), 300000))`,
      ],
      // no repeat() in SQLite: the hex of n zero bytes is n times '00'
      sqlite: [
        `INSERT INTO blobs VALUES (1, replace(hex(zeroblob(500000)), '00', 'abc	')), (2, 'small'),
           (3, replace(hex(zeroblob(300000)), '00', char(92)))`,
      ],
    },
    accident: ['DELETE FROM blobs WHERE id <> 2'],
    expect: {
      plan: { missing: 2, changed: 0, extra: 0, same: 1 },
      applied: { inserted: 2, updated: 0, deleted: 0 },
      final: [row('1', 'abc\\t'.repeat(500000)), row('2', 'small'), row('3', '\\\\'.repeat(300000))],
    },
  },
];
