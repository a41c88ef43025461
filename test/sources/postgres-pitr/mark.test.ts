import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type SqlClient, tempDir } from '../../harness/index.js';
import { type ArchivingServer, rows, startArchivingServer } from './fixture.js';

/**
 * `--as-of mark:<id>` on a base backup + WAL archive: recovery stops just before the WAL position the
 * console recorded before the statement, not at a time (a clock and a commit can be milliseconds apart).
 */

let pg: ArchivingServer;
let db: SqlClient;

beforeAll(async () => {
  pg = await startArchivingServer();
  db = await pg.createDatabase('app');
}, 120_000);

afterAll(async () => {
  await db?.close();
  await pg?.stop();
});

interface Listed {
  marks: { id: string; statement: string; position: { lsn?: string } }[];
}

describe('rowback restore --from <base backup> --wal-archive <dir> --as-of mark:<id>', () => {
  it('recovers to just before the mark’s WAL LSN: the statement right after it is undone, earlier ones kept', async () => {
    await db.exec(`CREATE TABLE billing (id int PRIMARY KEY, note text, amount numeric(12,2));
                   INSERT INTO billing SELECT g, 'row ' || g, g * 1.25 FROM generate_series(1, 200) g;`);
    const backup = await pg.baseBackup();
    await db.exec("UPDATE billing SET note = 'after the backup' WHERE id <= 5");
    await pg.switchWal();
    const state = await tempDir();
    // One console run: a wanted update, then the accident a moment later, each with its restore point.
    const console = await runCli([
      'sql',
      pg.url('app'),
      '--state-dir',
      state,
      '--yes',
      '-c',
      "UPDATE billing SET note = 'wanted' WHERE id = 11; DELETE FROM billing WHERE id <= 150",
    ]);
    expect(console.code).toBe(0);
    const listed = await runCli(['marks', '--state-dir', state, '--json']);
    const [wanted, accident, ...more] = (JSON.parse(listed.stdout) as Listed).marks;
    expect(more).toEqual([]);
    expect(console.stderr).toBe(
      `Restore point ${wanted?.id} recorded (rowback marks).\nKey (id): 11.\nCommitted.\nRestore point ${accident?.id} recorded (rowback marks).\nCommitted.\n`,
    );
    expect(wanted?.statement).toBe("UPDATE billing SET note = 'wanted' WHERE id = 11");
    expect(accident?.statement).toBe('DELETE FROM billing WHERE id <= 150');
    const lsn = accident?.position.lsn ?? '';
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    await db.exec(`INSERT INTO billing SELECT g, 'written since', 1 FROM generate_series(201, 205) g;
                   UPDATE billing SET note = 'changed since' WHERE id = 160;`);
    await pg.switchWal();
    const current = await rows(db, 'billing');

    const result = await runCli(
      [
        'restore',
        'billing',
        '--from',
        backup,
        '--wal-archive',
        pg.archiveDir,
        '--as-of',
        `mark:${accident?.id}`,
        '--to',
        pg.url('app'),
        '--yes',
        '--json',
        '--state-dir',
        state,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toContain(`just before WAL LSN ${lsn}`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).applied).toEqual({ inserted: 150, updated: 0, deleted: 0 });
    // Today's rows, plus each deleted row as it stood just before the DELETE (id 11 with the wanted update).
    const before = (id: number) =>
      id <= 5
        ? `${id}\tafter the backup\t${(id * 1.25).toFixed(2)}`
        : `${id}\t${id === 11 ? 'wanted' : `row ${id}`}\t${(id * 1.25).toFixed(2)}`;
    const restored = Array.from({ length: 150 }, (_, i) => before(i + 1));
    expect(await rows(db, 'billing')).toEqual([...restored, ...current]);
  }, 180_000);
});
