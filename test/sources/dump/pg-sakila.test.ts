import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restore } from '../../../src/index.js';
import { loadSakila, sqlClient } from '../../engines/postgres/support.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/**
 * Sakila's film (text, a domain, numeric, an enum, text[], tsvector) restored from every layout the real
 * pg_dump writes, against the same restore from the live source. A second schema holds a table named
 * film too, with other rows: it must never be read instead.
 */
const DUMPS: Record<string, (url: string, file: string) => string> = {
  plain: (url, file) => `pg_dump -d '${url}' -f ${file}`,
  'plain, gzip': (url, file) => `pg_dump -d '${url}' -Z 6 -f ${file}`,
  'plain, whole file zstd': (url, file) => `pg_dump -d '${url}' | zstd -q -o ${file}`,
  '--inserts': (url, file) => `pg_dump -d '${url}' --inserts -f ${file}`,
  '--column-inserts': (url, file) => `pg_dump -d '${url}' --column-inserts -f ${file}`,
  custom: (url, file) => `pg_dump -d '${url}' -Fc -f ${file}`,
  directory: (url, file) => `pg_dump -d '${url}' -Fd -f ${file}`,
  tar: (url, file) => `pg_dump -d '${url}' -Ft -f ${file}`,
  'custom, one table': (url, file) => `pg_dump -d '${url}' -Fc -t public.film -f ${file}`,
};

/** What happened to the target since the dump: rows deleted, changed and added. */
const ACCIDENT = `
  DELETE FROM film WHERE film_id % 7 = 0;
  UPDATE film SET rental_rate = rental_rate + 1, special_features = NULL WHERE film_id % 5 = 0;
  INSERT INTO film (film_id, title, language_id, fulltext) VALUES (5000, 'WRITTEN SINCE', 1, '')
  ON CONFLICT DO NOTHING`;

const OTHER_SCHEMA = `
  CREATE SCHEMA archive;
  CREATE TABLE archive.film (film_id int PRIMARY KEY, title text NOT NULL);
  INSERT INTO archive.film VALUES (1, 'NOT THE PUBLIC FILM'), (2000, 'ARCHIVED ONLY')`;

let s: Scratch;
let source: pg.Client;
let target: pg.Client;
let dir: string;
let fromLive: string[];

/** Restores public.film from `from` into the damaged target; returns the table as text. */
async function restoreFilm(from: string): Promise<string[]> {
  await target.query('BEGIN');
  await target.query('SET LOCAL session_replication_role = replica'); // keep last_update as it was
  await target.query(ACCIDENT);
  await target.query('COMMIT');
  const report = await restore({
    table: 'film',
    from,
    to: s.targetUrl,
    stateDir: dir,
    changed: 'take-source',
    extra: 'delete',
    disableTriggers: true,
  });
  expect(report.plan).toMatchObject({ missing: 142, changed: 172, extra: 1 });
  expect(report.outcome).toBe('applied');
  return s.dump('target', 'public.film', ['film_id']);
}

beforeAll(async () => {
  s = await scratch('postgres');
  dir = await tempDir();
  source = await sqlClient(s.sourceUrl);
  target = await sqlClient(s.targetUrl);
  await Promise.all([loadSakila(source), loadSakila(target)]);
  await source.query(OTHER_SCHEMA);
  // Rows of the target's film are deleted below: its children let them go.
  await target.query(`
    ALTER TABLE film_actor DROP CONSTRAINT film_actor_film_id_fkey;
    ALTER TABLE film_category DROP CONSTRAINT film_category_film_id_fkey;
    ALTER TABLE inventory DROP CONSTRAINT inventory_film_id_fkey;
    CREATE SCHEMA archive;
    CREATE TABLE archive.film (film_id int PRIMARY KEY, title text NOT NULL)`);
  for (const [name, command] of Object.entries(DUMPS)) {
    await run('bash', ['-o', 'pipefail', '-c', command(s.sourceUrl, join(dir, slug(name)))]);
  }
  fromLive = await restoreFilm(s.sourceUrl);
}, 300_000);

afterAll(async () => {
  await source?.end();
  await target?.end();
  await s?.close();
});

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/g, '-');
}

describe('restoring Sakila film from a pg_dump file', () => {
  it('restores from the live source to exactly the source table (the reference for every dump)', async () => {
    expect(fromLive).toEqual(await s.dump('source', 'public.film', ['film_id']));
    expect(fromLive).toHaveLength(1000);
  });

  for (const name of Object.keys(DUMPS)) {
    it(`restores from a ${name} dump exactly what the live source restores`, async () => {
      expect(await restoreFilm(join(dir, slug(name)))).toEqual(fromLive);
    }, 240_000);
  }

  it('restores archive.film from the dumps holding two tables named film, never public.film', async () => {
    for (const name of ['plain', 'custom', 'directory', 'tar', '--inserts']) {
      await target.query('TRUNCATE archive.film');
      const report = await restore({
        table: 'archive.film',
        from: join(dir, slug(name)),
        to: s.targetUrl,
        stateDir: dir,
      });
      expect(report.plan.missing).toBe(2);
      expect(await s.dump('target', 'archive.film', ['film_id'])).toEqual([
        '1\tNOT THE PUBLIC FILM',
        '2000\tARCHIVED ONLY',
      ]);
    }
  });
});
