import { describe, expect, it } from 'vitest';
import { SqliteDumpParser } from '../../../src/sources/dump/sqlite-dump.js';
import { cuts, parseIn } from './chunks.js';

/** A dump as sqlite3 .dump lays it out, with every kind of value and the statements around the table. */
const DUMP = Buffer.concat([
  Buffer.from(
    [
      'PRAGMA foreign_keys=OFF;',
      'BEGIN TRANSACTION;',
      'CREATE TABLE before (k);',
      "INSERT INTO before VALUES('t(x);');",
      'CREATE TABLE [T] (id INTEGER PRIMARY KEY, v, "w;x" TEXT, g AS (id + 1));',
      "INSERT INTO T VALUES(1,'it''s;(x)','tab\there');",
      "INSERT INTO T VALUES(2,X'00Ff5c',NULL);",
      'INSERT INTO T VALUES(3,-9223372036854775808,9223372036854775808);',
      'INSERT INTO T VALUES(4,0.10000000000000000555,-1.5E-320);',
      "INSERT INTO T VALUES(5,replace(replace('a\\rb\\nc','\\r',char(13)),'\\n',char(10)),unistr('x\\u0001\\\\y''z'));",
      "INSERT INTO T VALUES(6,1e999,'",
    ].join('\n'),
    'latin1',
  ),
  Buffer.from([0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x80]),
  Buffer.from(
    [
      "');",
      "INSERT INTO t(id,v,\"w;x\") VALUES(7,CAST(X'6100' AS TEXT),'');",
      'CREATE TABLE after (k);',
      "CREATE TRIGGER tr AFTER INSERT ON after BEGIN INSERT INTO t VALUES(9,'no','no'); END;",
      'COMMIT;',
      '',
    ].join('\n'),
    'latin1',
  ),
]);

const EXPECTED = [
  "1\t'it's;(x)'\t'tab\\there'",
  "2\tx'00ff5c'\t\\N",
  '3\t-9223372036854775808\t9223372036854775808.0',
  '4\t0.10000000000000000555\t-1.5e-320',
  "5\t'a\\rb\\nc'\t'x\u0001\\\\y'z'",
  `6\t1e999\t'${Buffer.from([0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x80]).toString('latin1')}'`,
  "7\t'a\u0000'\t''",
  '',
].join('\n');

describe('sqlite3 .dump reader', () => {
  it('reads the same rows wherever the chunks are cut, stopping after the table', () => {
    const make = (open: Parameters<typeof parseIn>[1] extends (o: infer O) => unknown ? O : never) =>
      new SqliteDumpParser({ name: 't' }, open);
    const whole = parseIn([DUMP], make, () => ({ fields: 3 }));
    expect(whole.rows).toBe(EXPECTED);
    const parser = whole.parser as SqliteDumpParser;
    // read up to the statement after the table's rows, and no further
    expect(parser.tables).toEqual([{ name: 'before' }, { name: 'T' }]);
    expect(parser.create).toMatch(/^CREATE TABLE \[T\]/);
    expect(parser.done).toBe(true);
    for (const pieces of cuts(DUMP)) {
      expect(parseIn(pieces, make, () => ({ fields: 3 })).rows).toBe(EXPECTED);
    }
  });

  it('lists every table of the dump when the wanted one is not there, a trigger body aside', () => {
    const look = new SqliteDumpParser({ name: 'missing' });
    look.push(DUMP);
    look.end();
    expect(look.tables).toEqual([{ name: 'before' }, { name: 'T' }, { name: 'after' }]);
    expect(look.foundData).toBe(false);
  });

  it('calls a dump cut before its COMMIT truncated: rows of the table may have followed', () => {
    const cut = DUMP.subarray(0, DUMP.indexOf('CREATE TABLE after'));
    const read = (bytes: Buffer, name: string) =>
      parseIn(
        [bytes],
        (open) => new SqliteDumpParser({ name }, open),
        () => ({ fields: 3 }),
      );
    expect(() => read(cut.subarray(0, cut.indexOf('INSERT INTO t(id')), 'T')).toThrow(
      /expected the rest of the dump, up to its COMMIT, found the end of the file/,
    );
    expect(() => read(cut, 'missing')).toThrow(/up to its COMMIT, found the end of the file/);
    // whole: a table with no INSERT has no row
    const empty = read(Buffer.from('BEGIN TRANSACTION;\nCREATE TABLE e (k);\nCOMMIT;\n', 'latin1'), 'e');
    expect([empty.rows, empty.parser.done]).toEqual(['', false]);
  });

  it('takes the column order of an INSERT that lists its columns', () => {
    const dump = Buffer.from(
      'BEGIN TRANSACTION;\nCREATE TABLE n (a, b);\nINSERT INTO n(rowid,a,b) VALUES(1,10,20);\nINSERT INTO n(rowid,a,b) VALUES(2,30,NULL);\nCOMMIT;\n',
      'latin1',
    );
    for (const pieces of cuts(dump)) {
      const parsed = parseIn(
        pieces,
        (open) => new SqliteDumpParser({ name: 'N' }, open),
        (columns) => ({ fields: columns!.length, order: [1, 2] }),
      );
      expect(parsed.columns).toEqual(['rowid', 'a', 'b']);
      expect(parsed.rows).toBe('10\t20\n30\t\\N\n');
    }
  });
});
