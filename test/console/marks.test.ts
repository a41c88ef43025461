import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../harness/index.js';
import { Receiver } from '../notify/receiver.js';
import { binlogDb } from '../sources/binlog/support.js';
import { shop } from './support.js';

interface Listed {
  marks: {
    id: string;
    statement: string;
    tables: string[];
    position: { lsn?: string; binlog?: { file: string; position: string }; gtid?: string };
  }[];
}

async function marks(state: string): Promise<Listed['marks']> {
  const listed = await runCli(['marks', '--state-dir', state, '--json']);
  expect(listed.code).toBe(0);
  return (JSON.parse(listed.stdout) as Listed).marks;
}

describe('restore points of rowback sql', () => {
  it('records the WAL position on PostgreSQL, and `rowback marks` lists it', async () => {
    const { db } = await shop('postgres');
    const state = await tempDir();
    const run = await runCli([
      'sql',
      db.targetUrl,
      '--state-dir',
      state,
      '--yes',
      '-c',
      'DELETE FROM t WHERE id = 1',
    ]);
    expect(run.code).toBe(0);
    const [mark, ...more] = await marks(state);
    expect(more).toEqual([]);
    expect(mark?.statement).toBe('DELETE FROM t WHERE id = 1');
    expect(mark?.tables).toEqual(['t']);
    expect(mark?.position.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(run.stderr).toContain(`Restore point ${mark?.id} recorded (rowback marks).`);
    const text = await runCli(['marks', '--state-dir', state]);
    expect(text.stdout).toContain(`${mark?.id}  `);
    expect(text.stdout).toContain('  > DELETE FROM t WHERE id = 1');
  });

  it('posts each restore point to --notify, without the statement (it may hold values)', async () => {
    const { db } = await shop('sqlite');
    const hooks = await new Receiver().start();
    try {
      const state = await tempDir();
      const args = ['sql', db.targetUrl, '--state-dir', state, '--yes', '--notify', `${hooks.url}/hook`];
      const run = await runCli([...args, '-c', "UPDATE t SET name = 'secret-ish' WHERE id = 2"]);
      expect(run.code).toBe(0);
      const [mark] = await marks(state);
      const [posted, ...more] = hooks.at('/hook');
      expect(more).toEqual([]);
      expect(posted).toMatchObject({
        tool: 'rowback',
        command: 'sql',
        event: 'mark',
        id: mark?.id,
        tables: ['t'],
      });
      expect(posted?.text).toBe(
        `rowback sql: restore point ${mark?.id} before UPDATE on t (${db.targetUrl}, by ${posted?.operator})`,
      );
      expect(JSON.stringify(posted)).not.toContain('secret-ish');
    } finally {
      await hooks.close();
    }
  });

  it('puts a table back from the binlog to just before a deliberate mistake, keeping later writes', async () => {
    const db = await binlogDb('rows');
    try {
      await db.sql.exec('CREATE TABLE t (id int PRIMARY KEY, name varchar(20))');
      await db.sql.exec("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
      const state = await tempDir();
      const mistake = await runCli([
        'sql',
        db.url,
        '--state-dir',
        state,
        '--yes',
        '-c',
        '\\i-mean-it DELETE FROM t',
      ]);
      expect(mistake.code).toBe(0);
      expect(mistake.stdout).toBe('3 rows changed\n');
      await db.sql.exec("INSERT INTO t VALUES (4, 'four')");
      const [mark] = await marks(state);
      expect(mark?.statement).toBe('DELETE FROM t');
      expect(mark?.position.binlog?.file).toMatch(/\.\d{6}$/);
      const restored = await runCli([
        'restore',
        't',
        '--from',
        'binlog',
        '--to',
        db.url,
        '--as-of',
        `mark:${mark?.id}`,
        '--state-dir',
        state,
        '--yes',
        '--no-progress',
      ]);
      expect(restored.stderr).toContain(
        `--as-of mark:${mark?.id} is binlog position ${mark?.position.binlog?.file}:`,
      );
      expect(restored.code).toBe(0);
      expect(await db.sql.query('SELECT id, name FROM t ORDER BY id')).toEqual([
        ['1', 'one'],
        ['2', 'two'],
        ['3', 'three'],
        ['4', 'four'],
      ]);
    } finally {
      await db.close();
    }
  });

  it('refuses a mark the audit log does not hold (exit 3)', async () => {
    const { db } = await shop('sqlite');
    const state = await tempDir();
    const run = await runCli([
      'restore',
      't',
      '--from',
      db.sourceUrl,
      '--to',
      db.targetUrl,
      '--as-of',
      'mark:m-20260101T000000Z-abcdef',
      '--state-dir',
      state,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('There is no restore point m-20260101T000000Z-abcdef in');
  });
});
