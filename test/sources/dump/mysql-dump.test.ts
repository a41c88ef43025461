import { describe, expect, it } from 'vitest';
import { MysqlDumpParser } from '../../../src/sources/dump/mysql-dump.js';
import { cuts, parseIn } from './chunks.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** The layout mariadb-dump writes, with the escapes, binary bytes that are not UTF-8, and a comment that looks like a marker. */
const DUMP = bytes(
  '/*M!999999\\- enable the sandbox mode */ \n',
  '-- MariaDB dump 10.19\n',
  '/*!40101 SET NAMES utf8mb4 */;\n',
  "/*!40103 SET TIME_ZONE='+00:00' */;\n",
  'USE `app`;\n',
  'DROP TABLE IF EXISTS `t`;\n',
  "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `s` varchar(20) DEFAULT 'x;y' COMMENT 'a -- Dumping data for table `t`',\n  `b` varbinary(8)\n) ENGINE=InnoDB;\n",
  'LOCK TABLES `t` WRITE;\n',
  '/*!40000 ALTER TABLE `t` DISABLE KEYS */;\n',
  "INSERT INTO `t` VALUES (1,'NUL\\0 BS\\\\ SQ\\' DQ\\\" NL\\n CR\\r TAB\t Z\\Z',",
  "'",
  [0xc3, 0x28, 0xff, 0x27, 0x27],
  "'),\n(2,NULL,0x00FF0A5C),\n(-3,'',''),\n(4,\"d\"\"q\",_binary '\\0\\n');\n",
  "INSERT INTO `t` (`id`, `s`, `b`) VALUES (5,'1e-300',X'0d0a');\n",
  '/*!40000 ALTER TABLE `t` ENABLE KEYS */;\n',
  'UNLOCK TABLES;\n',
  'DROP TABLE IF EXISTS `u`;\n',
  "INSERT INTO `u` VALUES (1,'never read');\n",
  '-- Dump completed on 2026-11-30 12:00:00\n',
);

describe('the mysqldump reader', () => {
  it('turns every escape and binary literal into the bytes the server would store, whatever the chunk boundaries', () => {
    for (const pieces of cuts(DUMP)) {
      const { rows, parser } = parseIn(
        pieces,
        (open) => new MysqlDumpParser({ schema: 'app', name: 't' }, open),
        () => ({ fields: 3 }),
      );
      expect(rows).toBe(
        bytes(
          '1\tNUL',
          [0],
          ' BS\\\\ SQ\' DQ" NL\\n CR\\r TAB\\t Z',
          [0x1a],
          '\t',
          [0xc3, 0x28, 0xff, 0x27],
          '\n2\t\\N\t',
          [0x00, 0xff],
          '\\n\\\\\n-3\t\t\n4\td"q\t',
          [0],
          '\\n\n5\t1e-300\t\\r\\n\n',
        ).toString('latin1'),
      );
      expect(parser.done).toBe(true);
      expect(parser.create).toContain("COMMENT 'a -- Dumping data for table `t`'");
    }
  });

  it('reads the dump settings and lists the tables by database', () => {
    const { parser } = parseIn(
      [DUMP],
      (open) => new MysqlDumpParser({ name: 'nope' }, open),
      () => ({ fields: 1 }),
    );
    expect(parser.tables).toEqual([
      { schema: 'app', name: 't' },
      { schema: 'app', name: 'u' },
    ]);
    expect((parser as MysqlDumpParser).names).toBe('utf8mb4');
    expect((parser as MysqlDumpParser).utc).toBe(true);
  });

  const MORE = bytes(
    'INSERT INTO `t` (`b`, `id`, `s`) VALUES ',
    "(0x,7,'50\\% of a\\_b'),(X'',-8.5e3,_utf8mb4'x'),(null,9,\"\\t\"),(NULL,10,'');\n",
  );

  it('reorders a column list, keeps \\% and \\_ and reads every bare literal, whatever the chunk boundaries', () => {
    for (const pieces of cuts(MORE)) {
      const { rows } = parseIn(
        pieces,
        (open) => new MysqlDumpParser({ name: 't' }, open),
        () => ({ fields: 3, order: [1, 2, 0] }),
      );
      expect(rows).toBe('7\t50\\\\% of a\\\\_b\t\n-8.5e3\tx\t\n9\t\\t\t\\N\n10\t\t\\N\n');
    }
  });

  it('refuses a row with the wrong number of values, naming its offset', () => {
    const dump = bytes("INSERT INTO `t` VALUES (1,'a',NULL),(2,'b');\n");
    expect(() =>
      parseIn(
        [dump],
        (open) => new MysqlDumpParser({ name: 't' }, open),
        () => ({ fields: 3 }),
      ),
    ).toThrow(`at byte ${dump.indexOf('(2')}: expected a row of 3 values, found a row of 2 values`);
  });

  it('shows the bytes found after a stray quote in hex when they are not printable ASCII', () => {
    const dump = bytes("INSERT INTO `t` VALUES (1,'a'", [0x90, 0x91, 0xc3, 0xa9], "',NULL);\n");
    expect(() =>
      parseIn(
        [dump],
        (open) => new MysqlDumpParser({ name: 't' }, open),
        () => ({ fields: 3 }),
      ),
    ).toThrow(
      `at byte ${dump.indexOf('a') + 2}: expected "," or ")" after a value, found bytes 90 91 c3 a9 27 2c 4e 55 4c 4c 29 3b 0a`,
    );
  });

  it('tells a table dumped without data from an empty one, and a dump cut between INSERTs from a whole one', () => {
    const head = ['-- MariaDB dump 10.19\n', 'USE `app`;\n', 'CREATE TABLE `t` (`id` int NOT NULL);\n'];
    const next = 'CREATE TABLE `u` (`id` int NOT NULL);\n';
    const end = '-- Dump completed on 2026-11-30 18:00:00\n';
    const read = (...parts: string[]) =>
      parseIn(
        [bytes(...parts)],
        (open) => new MysqlDumpParser({ schema: 'app', name: 't' }, open),
        () => ({ fields: 1 }),
      );
    // --no-data: the CREATE and nothing else
    const noData = read(...head, next, end);
    expect([noData.rows, noData.parser.foundData]).toEqual(['', false]);
    // an empty table: its LOCK TABLES … UNLOCK TABLES section (--add-locks, the default)
    const locked = read(...head, 'LOCK TABLES `t` WRITE;\n', 'UNLOCK TABLES;\n', next, end);
    expect([locked.rows, locked.parser.foundData]).toEqual(['', true]);
    // --skip-add-locks: the section's comment is its one sign
    const commented = read(...head, '--\n-- Dumping data for table `t`\n--\n\n', next, end);
    expect([commented.rows, commented.parser.foundData]).toEqual(['', true]);
    // cut after a whole INSERT: more of the table's rows may have followed
    const rows = 'INSERT INTO `t` VALUES (1),(2);\n';
    expect(() => read(...head, 'LOCK TABLES `t` WRITE;\n', rows)).toThrow(
      /expected the rest of the dump, up to its line "-- Dump completed", found the end of the file/,
    );
    expect(read(...head, 'LOCK TABLES `t` WRITE;\n', rows, 'UNLOCK TABLES;\n', end).rows).toBe('1\n2\n');
    // mariadb-dump's sandbox line first: its header is still known, so a cut before the table is one
    const sandbox = '/*M!999999\\- enable the sandbox mode */ \n';
    expect(() => read(sandbox, ...head.slice(0, 2), 'CREATE TABLE `other` (`id` int);\n')).toThrow(
      /up to its line "-- Dump completed", found the end of the file/,
    );
    // cut inside the head of the next INSERT
    expect(() => read(...head, rows, 'INSERT INTO `t` (`id`, ')).toThrow(
      /expected the rest of a statement, up to its ";", found the end of the file/,
    );
  });

  it('stops with the byte offset when the dump is cut inside a row', () => {
    const cut = DUMP.subarray(0, DUMP.indexOf('(2,NULL') + 4);
    expect(() =>
      parseIn(
        [cut],
        (open) => new MysqlDumpParser({ name: 't' }, open),
        () => ({ fields: 3 }),
      ),
    ).toThrow(`at byte ${cut.length}: expected the rest of an INSERT statement, found the end of the file`);
  });
});
