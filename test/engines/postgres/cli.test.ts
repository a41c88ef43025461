import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../../harness/index.js';
import { type ScratchDb, scratchDb, tableText } from './support.js';

let dbs: ScratchDb[] = [];

afterEach(async () => {
  for (const db of dbs) await db.drop();
  dbs = [];
});

async function pair(ddl: string, since: string) {
  const [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  dbs.push(source, target);
  await source.client.query(ddl);
  await target.client.query(ddl);
  await target.client.query(since);
  return { source, target };
}

const LOCKS = `SELECT count(*) FROM pg_locks WHERE relation = 'account'::regclass`;

describe('rowback restore on PostgreSQL, through the CLI', () => {
  it('killed with SIGKILL in the middle of the apply, leaves the table as it was and unlocked within seconds', async () => {
    const { source, target } = await pair(
      `CREATE TABLE account (id int PRIMARY KEY, name text);
       INSERT INTO account SELECT g, 'account ' || g FROM generate_series(1, 100) g;`,
      `DELETE FROM account WHERE id > 50;
       CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.id = 75 THEN PERFORM pg_sleep(120); END IF; RETURN NEW; END $$;
       CREATE TRIGGER stall BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION stall();`,
    );
    const before = await tableText(target.client, 'SELECT * FROM account ORDER BY id');
    const child = spawnCli([
      'restore',
      'account',
      '--from',
      source.url,
      '--to',
      target.url,
      '--yes',
      '--no-progress',
      '--state-dir',
      await tempDir(),
    ]);
    const exited = new Promise((resolve) => child.once('close', resolve));
    try {
      const stalled = `SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()`;
      for (let i = 0; i < 300 && (await tableText(target.client, stalled)) === '0\n'; i++) await sleep(100);
      expect(await tableText(target.client, stalled)).toBe('1\n');
      expect(await tableText(target.client, LOCKS)).not.toBe('0\n');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    let locks = '';
    for (let i = 0; i < 50; i++) {
      locks = await tableText(target.client, LOCKS);
      if (locks === '0\n') break;
      await sleep(100);
    }
    expect(locks).toBe('0\n');
    expect(await tableText(target.client, 'SELECT * FROM account ORDER BY id')).toBe(before);
  }, 60_000);

  it('refuses --extra delete before asking when children ON DELETE CASCADE would go too (exit 4), for apply and --sql-out', async () => {
    const { source, target } = await pair(
      `CREATE TABLE account (id int PRIMARY KEY, name text);
       CREATE TABLE invoice (id int PRIMARY KEY, account int REFERENCES account ON DELETE CASCADE);
       INSERT INTO account SELECT g, 'account ' || g FROM generate_series(1, 5) g;`,
      `INSERT INTO account VALUES (9, 'since'); INSERT INTO invoice VALUES (1, 9);`,
    );
    const dir = await tempDir();
    const common = ['account', '--from', source.url, '--to', target.url, '--extra', 'delete'];
    for (const extra of [['--yes'], ['--sql-out', `${dir}/restore.sql`]]) {
      const result = await runCli(['restore', ...common, ...extra, '--no-progress', '--state-dir', dir]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        'referenced by 1 row(s) of public.invoice (invoice_account_fkey, ON DELETE CASCADE), which would be deleted with them',
      );
    }
    expect(await tableText(target.client, 'SELECT count(*) FROM invoice')).toBe('1\n');
  });
});
