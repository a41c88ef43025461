import { afterEach } from 'vitest';
import { type ScratchDb, scratchDb, tableText } from '../engines/postgres/support.js';
import { type Scratch, scratch } from '../harness/index.js';

let dbs: ScratchDb[] = [];
let pairs: Scratch[] = [];

/** Drops the databases `accounts()` made, after each test of the file that imports this. */
afterEach(async () => {
  for (const db of dbs) await db.drop();
  dbs = [];
  for (const pair of pairs) await pair.close();
  pairs = [];
});

/** A source holding accounts 1–3, a target that lost 2 and 3 and gained 9 since (PostgreSQL). */
export async function accounts() {
  const [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  dbs.push(source, target);
  const ddl = 'CREATE TABLE account (id int PRIMARY KEY, name text)';
  await source.client.query(`${ddl}; INSERT INTO account VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
  await target.client.query(`${ddl}; INSERT INTO account VALUES (1, 'one'), (9, 'nine')`);
  return { source, target, args: ['account', '--from', source.url, '--to', target.url] };
}

/** The account table's rows as COPY text, ordered by id. */
export const accountTable = (db: ScratchDb) => tableText(db.client, 'SELECT * FROM account ORDER BY id');

export const BEFORE = '1\tone\n9\tnine\n';
export const RESTORED = '1\tone\n2\ttwo\n3\tthree\n9\tnine\n';

/** The same accounts on MySQL/MariaDB: a source holding 1–3, a target that lost 2 and 3 and gained 9. */
export async function mysqlAccounts() {
  const db = await scratch('mysql');
  pairs.push(db);
  const ddl = 'CREATE TABLE account (id int PRIMARY KEY, name varchar(20))';
  await db.source.exec(`${ddl}; INSERT INTO account VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
  await db.target.exec(`${ddl}; INSERT INTO account VALUES (1, 'one'), (9, 'nine')`);
  return { db, args: ['account', '--from', db.sourceUrl, '--to', db.targetUrl] };
}
