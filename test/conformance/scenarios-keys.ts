import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, N, row, sharedTable } from './text.js';

/** Keys of every shape, and the columns a restore must not write or must move past. */
export const KEY_SCENARIOS: Scenario[] = [
  {
    // the helper columns of rowback's staging and plan tables must step aside, whatever the case
    name: "restores a table whose columns carry the names of rowback's own work columns",
    table: 'work',
    orderBy: ['__rowback_row', 'rowback_class'],
    ddl: sharedTable(
      `CREATE TABLE work (__rowback_row int NOT NULL, rowback_class varchar(10) NOT NULL,
         __rowback_origin varchar(10), rowback_origin varchar(10), ROWBACK_CLASS_ int,
         PRIMARY KEY (__rowback_row, rowback_class))`,
    ),
    seed: [
      `INSERT INTO work VALUES (1, 'm', 'o1', 'p1', 10), (2, 'c', 'o2', 'p2', 20), (3, 's', 'o3', 'p3', 30),
         (4, 'x', 'o4', 'p4', 40)`,
    ],
    accident: [
      'DELETE FROM work WHERE __rowback_row = 1',
      `UPDATE work SET __rowback_origin = 'edited', ROWBACK_CLASS_ = 21 WHERE __rowback_row = 2`,
      `INSERT INTO work VALUES (5, 'x', 'o5', 'p5', 50)`,
    ],
    options: { changed: 'take-source', extra: 'delete' },
    expect: {
      plan: { missing: 1, changed: 1, extra: 1, same: 2 },
      applied: { inserted: 1, updated: 1, deleted: 1 },
      final: [
        row('1', 'm', 'o1', 'p1', '10'),
        row('2', 'c', 'o2', 'p2', '20'),
        row('3', 's', 'o3', 'p3', '30'),
        row('4', 'x', 'o4', 'p4', '40'),
      ],
    },
  },
  {
    name: 'matches rows by a composite primary key',
    table: 'order_lines',
    orderBy: ['order_id', 'line_no'],
    ddl: sharedTable(
      `CREATE TABLE order_lines (order_id int NOT NULL, line_no int NOT NULL, sku varchar(20), qty int,
         PRIMARY KEY (order_id, line_no))`,
    ),
    seed: [`INSERT INTO order_lines VALUES (1, 1, 'a', 1), (1, 2, 'b', 2), (2, 1, 'c', 3), (2, 2, 'd', 4)`],
    accident: ['DELETE FROM order_lines WHERE order_id = 1', `INSERT INTO order_lines VALUES (1, 3, 'e', 5)`],
    expect: {
      plan: { missing: 2, changed: 0, extra: 1, same: 2 },
      applied: { inserted: 2, updated: 0, deleted: 0 },
      final: [
        row('1', '1', 'a', '1'),
        row('1', '2', 'b', '2'),
        row('1', '3', 'e', '5'),
        row('2', '1', 'c', '3'),
        row('2', '2', 'd', '4'),
      ],
    },
  },
  {
    // 2^53 and 2^53 + 1 are one number in JavaScript; the keys must stay apart
    name: 'matches integer keys beyond 2^53 (and 2^63 unsigned) without rounding',
    table: 'bigkeys',
    orderBy: ['id'],
    ddl: {
      postgres: ['CREATE TABLE bigkeys (id bigint PRIMARY KEY, note text)'],
      mysql: [`CREATE TABLE bigkeys (id BIGINT UNSIGNED PRIMARY KEY, note varchar(20)) ${MYSQL_TABLE}`],
    },
    seed: {
      postgres: [
        `INSERT INTO bigkeys VALUES (9007199254740992, 'a'), (9007199254740993, 'b'), (9223372036854775807, 'max'),
           (-9223372036854775808, 'min')`,
      ],
      mysql: [
        `INSERT INTO bigkeys VALUES (9007199254740992, 'a'), (9007199254740993, 'b'),
           (18446744073709551615, 'max'), (9223372036854775808, 'min')`,
      ],
    },
    accident: [
      `DELETE FROM bigkeys WHERE note IN ('b', 'max')`,
      `UPDATE bigkeys SET note = 'A' WHERE note = 'a'`,
    ],
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 2, changed: 1, extra: 0, same: 1 },
      applied: { inserted: 2, updated: 1, deleted: 0 },
      final: {
        postgres: [
          row('-9223372036854775808', 'min'),
          row('9007199254740992', 'a'),
          row('9007199254740993', 'b'),
          row('9223372036854775807', 'max'),
        ],
        mysql: [
          row('9007199254740992', 'a'),
          row('9007199254740993', 'b'),
          row('9223372036854775808', 'min'),
          row('18446744073709551615', 'max'),
        ],
      },
    },
  },
  {
    // byte order puts 'Banana' and 'Zebra' before 'apple'; a case-insensitive collation does not
    name: 'matches text keys whatever order the servers collate them in',
    table: 'words',
    orderBy: ['n'],
    ddl: {
      postgres: ['CREATE TABLE words (word text PRIMARY KEY, n int NOT NULL)'],
      mysql: [
        `CREATE TABLE words (word varchar(20) PRIMARY KEY, n int NOT NULL)
           ${MYSQL_TABLE}`,
      ],
    },
    seed: [
      `INSERT INTO words VALUES ('apple', 1), ('Banana', 2), ('cherry', 3), ('Zebra', 4), ('éclair', 5),
         ('zz', 6), ('Ärger', 7), ('pad ', 9)`,
    ],
    accident: [
      `DELETE FROM words WHERE word IN ('Banana', 'éclair', 'pad ')`,
      `UPDATE words SET n = 40 WHERE word = 'Zebra'`,
      `INSERT INTO words VALUES ('aardvark', 8)`,
    ],
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 3, changed: 1, extra: 1, same: 4 },
      applied: { inserted: 3, updated: 1, deleted: 0 },
      // 'pad ' keeps its trailing space, which a PAD SPACE collation ignores when comparing
      final: ['apple', 'Banana', 'cherry', 'Zebra', 'éclair', 'zz', 'Ärger', 'aardvark', 'pad '].map((w, i) =>
        row(w, String(i + 1)),
      ),
    },
  },
  {
    name: 'quotes every identifier: mixed case, spaces, reserved words and quotes in names',
    table: 'Order Items',
    orderBy: ['Id'],
    ddl: {
      postgres: ['CREATE TABLE "Order Items" ("Id" int PRIMARY KEY, "select" text, "we""ird" text)'],
      mysql: [
        'CREATE TABLE `Order Items` (`Id` int PRIMARY KEY, `select` varchar(10), `we"ird` varchar(10)) ' +
          MYSQL_TABLE,
      ],
    },
    seed: {
      postgres: [`INSERT INTO "Order Items" VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')`],
      mysql: ["INSERT INTO `Order Items` VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')"],
    },
    accident: {
      postgres: ['DELETE FROM "Order Items" WHERE "Id" <> 2', `UPDATE "Order Items" SET "we""ird" = 'Y'`],
      mysql: ['DELETE FROM `Order Items` WHERE `Id` <> 2', "UPDATE `Order Items` SET `we\"ird` = 'Y'"],
    },
    options: { changed: 'take-source', where: '1 = 1' },
    expect: {
      plan: { missing: 2, changed: 1, extra: 0, same: 0 },
      applied: { inserted: 2, updated: 1, deleted: 0 },
      final: [row('1', 'a', 'x'), row('2', 'b', 'y'), row('3', 'c', 'z')],
    },
  },
  {
    name: 'uses a unique NOT NULL key when the table has no primary key',
    table: 'codes',
    orderBy: ['code'],
    ddl: sharedTable(
      'CREATE TABLE codes (alt int UNIQUE, code varchar(10) NOT NULL, label varchar(20), CONSTRAINT codes_code UNIQUE (code))',
    ),
    seed: [`INSERT INTO codes VALUES (1, 'A1', 'one'), (NULL, 'B2', 'two'), (NULL, 'C3', 'three')`],
    accident: [`DELETE FROM codes WHERE code <> 'B2'`, `UPDATE codes SET label = 'TWO' WHERE code = 'B2'`],
    expect: {
      plan: { missing: 2, changed: 1, extra: 0, same: 0 },
      applied: { inserted: 2, updated: 0, deleted: 0 },
      final: [row('1', 'A1', 'one'), row(N, 'B2', 'TWO'), row(N, 'C3', 'three')],
    },
  },
  {
    name: 'matches rows by the columns given as --key when the table has no key',
    table: 'nokey',
    orderBy: ['a'],
    ddl: sharedTable('CREATE TABLE nokey (a int NOT NULL, b varchar(10))'),
    seed: [`INSERT INTO nokey VALUES (1, 'x'), (2, NULL), (3, '')`],
    accident: ['DELETE FROM nokey WHERE a > 1'],
    options: { key: ['a'] },
    expect: {
      plan: { missing: 2, changed: 0, extra: 0, same: 1 },
      applied: { inserted: 2, updated: 0, deleted: 0 },
      final: [row('1', 'x'), row('2', N), row('3', '')],
    },
  },
  {
    name: 'leaves generated columns to the server and moves the identity counter past restored keys',
    table: 'items',
    orderBy: ['id'],
    ddl: {
      postgres: [
        `CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, price numeric(10,2) NOT NULL,
           qty int NOT NULL, total numeric(12,2) GENERATED ALWAYS AS (price * qty) STORED)`,
      ],
      mysql: [
        `CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY, price DECIMAL(10,2) NOT NULL, qty int NOT NULL,
           total DECIMAL(12,2) AS (price * qty) STORED, half DECIMAL(12,3) AS (price / 2) VIRTUAL) ${MYSQL_TABLE}`,
      ],
      // AUTOINCREMENT: sqlite_sequence is the counter; prices as text keep their cents
      sqlite: [
        `CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, price TEXT NOT NULL, qty INTEGER NOT NULL,
           total TEXT GENERATED ALWAYS AS (printf('%.2f', price * qty)) STORED, half REAL AS (price / 2) VIRTUAL)`,
      ],
    },
    seed: {
      postgres: ['INSERT INTO items (price, qty) VALUES (1.50, 2), (2.00, 3), (10.00, 1)'],
      mysql: ['INSERT INTO items (price, qty) VALUES (1.50, 2), (2.00, 3), (10.00, 1)'],
      sqlite: [`INSERT INTO items (price, qty) VALUES ('1.50', 2), ('2.00', 3), ('10.00', 1)`],
    },
    // TRUNCATE also resets the identity / AUTO_INCREMENT counter to 1
    accident: {
      postgres: ['TRUNCATE items RESTART IDENTITY'],
      mysql: ['TRUNCATE TABLE items'],
      sqlite: ['DELETE FROM items', `DELETE FROM sqlite_sequence WHERE name = 'items'`],
    },
    expect: {
      plan: { missing: 3, changed: 0, extra: 0, same: 0 },
      applied: { inserted: 3, updated: 0, deleted: 0 },
      final: {
        postgres: [
          row('1', '1.50', '2', '3.00'),
          row('2', '2.00', '3', '6.00'),
          row('3', '10.00', '1', '10.00'),
        ],
        mysql: [
          row('1', '1.50', '2', '3.00', '0.750'),
          row('2', '2.00', '3', '6.00', '1.000'),
          row('3', '10.00', '1', '10.00', '5.000'),
        ],
        sqlite: [
          row('1', '1.50', '2', '3.00', '0.75'),
          row('2', '2.00', '3', '6.00', '1.0'),
          row('3', '10.00', '1', '10.00', '5.0'),
        ],
      },
    },
    after: {
      sql: {
        postgres: ['INSERT INTO items (price, qty) VALUES (7.00, 1)'],
        mysql: ['INSERT INTO items (price, qty) VALUES (7.00, 1)'],
        sqlite: [`INSERT INTO items (price, qty) VALUES ('7.00', 1)`],
      },
      final: {
        postgres: [
          row('1', '1.50', '2', '3.00'),
          row('2', '2.00', '3', '6.00'),
          row('3', '10.00', '1', '10.00'),
          row('4', '7.00', '1', '7.00'),
        ],
        mysql: [
          row('1', '1.50', '2', '3.00', '0.750'),
          row('2', '2.00', '3', '6.00', '1.000'),
          row('3', '10.00', '1', '10.00', '5.000'),
          row('4', '7.00', '1', '7.00', '3.500'),
        ],
        sqlite: [
          row('1', '1.50', '2', '3.00', '0.75'),
          row('2', '2.00', '3', '6.00', '1.0'),
          row('3', '10.00', '1', '10.00', '5.0'),
          row('4', '7.00', '1', '7.00', '3.5'),
        ],
      },
    },
  },
];
