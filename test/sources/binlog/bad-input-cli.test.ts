import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReplicaConnection } from '../../../src/sources/binlog/replica.js';
import { connectClient } from '../../harness/clients.js';
import { spawnCli, tempDir } from '../../harness/index.js';
import { described, rowback, TIMEOUT } from './cli-support.js';
import { type BinlogDb, binlogDb, databaseOn, nextSecond, privateBinlogServer } from './support.js';

/** `rowback restore t --from binlog …` on the database, with the moment flags given. */
async function restoreArgs(db: BinlogDb, moment: string[]): Promise<string[]> {
  return [
    'restore',
    't',
    '--from',
    'binlog',
    ...moment,
    '--to',
    db.url,
    '--yes',
    '--state-dir',
    await tempDir(),
  ];
}

describe('bad moments through the command line', () => {
  let db: BinlogDb;
  beforeAll(async () => {
    db = await binlogDb('rows');
    await db.sql.exec('CREATE TABLE t (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO t VALUES (1, 'one')");
  });
  afterAll(async () => {
    await db?.close();
  });

  test('a moment older than the oldest binlog: exit 3, naming the oldest moment covered', async () => {
    const run = await rowback(await restoreArgs(db, ['--as-of', '2001-01-01 00:00:00Z']));
    expect(run.code, described(run)).toBe(3);
    expect(run.stderr).toMatch(
      /rowback: The binlog does not reach back to .*2001-01-01.*: the oldest binary log on the server starts at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    expect(run.stderr).toMatch(/hint: .*dump or an instance backup/);
  });

  test('a moment in the future: exit 2, with the server’s clock', async () => {
    const run = await rowback(await restoreArgs(db, ['--as-of', '2999-01-01 00:00:00Z']));
    expect(run.code, described(run)).toBe(2);
    expect(run.stderr).toMatch(/rowback: .*is in the future: the server's clock reads \d{4}-/);
  });

  test('a position past the end of its binlog file: exit 2, with the size written so far, nothing written', async () => {
    const file = ((await db.sql.query('SHOW MASTER STATUS')) as string[][])[0]![0]!;
    const run = await rowback(await restoreArgs(db, ['--as-of-position', `${file}:999999999`]));
    expect(run.code, described(run)).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `rowback: --as-of-position ${file}:999999999 is past the end of ${file}, which holds \\d+ bytes so far\\.`,
      ),
    );
  });
});

describe('the binlog changing under rowback while it reads', () => {
  let server: Awaited<ReturnType<typeof privateBinlogServer>>;
  let db: BinlogDb;
  let moment: string;
  beforeAll(async () => {
    // A server of its own: these tests purge its binlogs and take replicas' server ids.
    server = await privateBinlogServer();
    db = await databaseOn(server.url);
    await db.sql.exec('CREATE TABLE t (id int PRIMARY KEY, v varchar(200)) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO t SELECT seq, REPEAT('x', 150) FROM seq_1_to_300000");
    moment = await nextSecond(db.sql);
    // Enough rows that reading them takes a while: the other replica has time to come.
    await db.sql.exec('DELETE FROM t');
    await db.sql.exec('FLUSH BINARY LOGS');
  }, TIMEOUT);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  test(
    'another replica taking the server id rowback registered with: exit 5, saying so, and to run again',
    async () => {
      const admin = await connectClient('mysql', server.url);
      try {
        const child = spawnCli(await restoreArgs(db, ['--as-of', moment]));
        const output: Buffer[] = [];
        child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
        let code: number | null | undefined;
        const exited = new Promise<void>((resolve) =>
          child.once('close', (c) => {
            code = c;
            resolve();
          }),
        );
        // rowback's id is the one in the upper half of the id space: another replica takes it, again
        // and again until rowback stops (its first sessions only peek at file headers and end by
        // themselves; a later session with the id takes it back).
        while (code === undefined) {
          const hosts = await admin.query('SHOW SLAVE HOSTS');
          const id = hosts.map(([serverId]) => Number(serverId)).find((n) => n >= 2 ** 31);
          if (id === undefined) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          await takeId(server.url, id);
        }
        await exited;
        const stderr = Buffer.concat(output).toString('utf8');
        expect(code, stderr).toBe(5);
        expect(stderr).toMatch(/rowback: Another replica registered with rowback's server id on mysql:\/\//);
        expect(stderr).toMatch(/hint: Run the command again: rowback picks a new random server id/);
      } finally {
        await admin.close();
      }
    },
    TIMEOUT,
  );

  test(
    'a binary log purged after the server listed it: exit 3, naming it, and to run again',
    async () => {
      const admin = await connectClient('mysql', server.url);
      try {
        const logs = (await admin.query('SHOW BINARY LOGS')).map(([name]) => name!);
        // The file holding the moment, gone from the disk while the index still lists it (as a purge
        // between rowback's listing and its reading leaves it).
        await rm(join(server.dataDir, logs[0]!));
        const run = await rowback(await restoreArgs(db, ['--as-of', moment]));
        expect(run.code, described(run)).toBe(3);
        expect(run.stderr).toMatch(
          new RegExp(
            `rowback: A binary log the server listed is gone \\(at ${logs[0]}:4\\): it was purged \\(or removed\\) while rowback read the binlog`,
          ),
        );
        expect(run.stderr).toMatch(/hint: Run again: rowback lists the binary logs anew/);
      } finally {
        await admin.close();
      }
    },
    TIMEOUT,
  );
});

/** Registers as a replica with `id` and reads the newest binlog to its end, as another replica would. */
async function takeId(url: string, id: number): Promise<void> {
  const other = await ReplicaConnection.open(url);
  try {
    const [[file]] = (await other.query('SHOW MASTER STATUS')) as [[string]];
    for await (const _event of other.dump({ file, position: 4, serverId: id, stopAtEnd: true })) {
      // read to the end
    }
  } catch {
    // rowback registered with the id again and took it back
  } finally {
    other.close();
  }
}
