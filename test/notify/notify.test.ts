import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type Scratch, scratch, tempDir } from '../harness/index.js';
import { Receiver } from './receiver.js';

let db: Scratch;
let hooks: Receiver;

beforeEach(async () => {
  db = await scratch('postgres');
  hooks = await new Receiver().start();
  const table = 'CREATE TABLE billing (id int PRIMARY KEY, note text)';
  await db.source.exec(`${table}; INSERT INTO billing SELECT g, 'row ' || g FROM generate_series(1, 20) g`);
  await db.target.exec(`${table}; INSERT INTO billing SELECT g, 'row ' || g FROM generate_series(11, 25) g`);
});

afterEach(async () => {
  await hooks.close();
  await db.close();
});

/** The target URL with a password in it (the test servers trust the connection and ignore it). */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

describe('rowback restore --notify', () => {
  it('tells the team when it starts, when the source is ready, the plan, and the outcome, in Slack format for Slack', async () => {
    const to = withPassword(db.targetUrl, 'Pa55-never-in-a-message');
    const result = await runCli(
      [
        'restore',
        'billing',
        '--from',
        db.sourceUrl,
        '--to',
        to,
        '--yes',
        '--state-dir',
        await tempDir(),
        '--notify',
        `${hooks.url}/generic/token-123`,
        '--notify',
        `slack+${hooks.url}/services/T0/B0/secret-456`,
      ],
      { env: { ROWBACK_OPERATOR: 'alice' } },
    );
    expect(result.code).toBe(0);
    const generic = hooks.at('/generic/token-123');
    expect(generic.map((b) => b.event)).toEqual(['started', 'ready', 'planned', 'applied']);
    expect(generic[0]).toMatchObject({
      tool: 'rowback',
      command: 'restore',
      operator: 'alice',
      table: 'billing',
    });
    expect(generic[0]?.text).toMatch(
      /^rowback: alice is restoring billing on postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+ from postgres:/,
    );
    expect(generic[1]).toMatchObject({ estimatedRows: 20 });
    expect(generic[2]).toMatchObject({ plan: { missing: 10, changed: 0, extra: 5, same: 10 } });
    expect(generic[3]).toMatchObject({
      outcome: 'applied',
      applied: { inserted: 10, updated: 0, deleted: 0 },
      verification: { checked: 10, mismatched: 0 },
    });
    expect(generic[3]?.undo).toMatch(/^r-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(generic[3]?.text).toContain('verified 10 rows. Undo: rowback undo r-');
    const slack = hooks.at('/services/T0/B0/secret-456');
    expect(slack.map((b) => Object.keys(b))).toEqual([['text'], ['text'], ['text'], ['text']]);
    expect(slack[3]?.text).toMatch(/^:white_check_mark: rowback: restored public.billing on /);
    // No secret in any message: the password, nor the webhooks' tokens.
    const all = JSON.stringify(hooks.bodies.map((b) => b.body));
    expect(all).not.toContain('Pa55-never-in-a-message');
    expect(all).not.toContain('secret-456');
    expect(all).not.toContain('token-123');
  });

  it('goes on when a webhook answers 500, with a warning naming only its host', async () => {
    hooks.status = 500;
    const result = await runCli([
      'restore',
      'billing',
      '--from',
      db.sourceUrl,
      '--to',
      db.targetUrl,
      '--yes',
      '--state-dir',
      await tempDir(),
      '--notify',
      `${hooks.url}/hook/very-secret-path`,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `! The started notification to ${new URL(hooks.url).host} failed: HTTP 500; the run goes on.`,
    );
    expect(result.stderr).not.toContain('very-secret-path');
    expect(await db.dump('target', 'billing', ['id'])).toHaveLength(25);
  });

  it('says what failed, and takes webhooks from ROWBACK_NOTIFY too', async () => {
    const result = await runCli(
      [
        'restore',
        'invoices',
        '--from',
        db.sourceUrl,
        '--to',
        db.targetUrl,
        '--yes',
        '--state-dir',
        await tempDir(),
      ],
      { env: { ROWBACK_NOTIFY: `${hooks.url}/a ${hooks.url}/b` } },
    );
    expect(result.code).toBe(3);
    for (const path of ['/a', '/b']) {
      const events = hooks.at(path);
      expect(events.map((b) => b.event)).toEqual(['started', 'failed']);
      expect(events[1]).toMatchObject({ error: { code: 'table-not-found' } });
      expect(events[1]?.text).toMatch(/^rowback: the restore of invoices failed: /);
    }
  });
});
