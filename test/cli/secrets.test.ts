import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch, tempDir } from '../harness/index.js';

/** The two halves of a password: if either shows up anywhere, the password leaked in pieces. */
const PIECES = ['Zq7Sec', 'Ret99x'];

/** Everything a run leaves for people to read: stdout (the JSON), stderr, the audit log. */
async function channels(args: string[]) {
  const state = await tempDir();
  const result = await runCli([...args, '--json', '--state-dir', state]);
  const audit = await readFile(join(state, 'audit.jsonl'), 'utf8');
  return { result, all: [result.stdout, result.stderr, audit] };
}

describe('a password that is not percent-encoded in a URL', () => {
  for (const char of ['/', '?', '#', '%']) {
    for (const scheme of ['postgres', 'mysql']) {
      it(`with '${char}' is refused (exit 2) on ${scheme}, and no piece of it reaches the message, the JSON or the audit log`, async () => {
        // '5432' first: a password starting with digits would read as a port
        const url = `${scheme}://app:5432${PIECES.join(char)}@db.example/app`;
        for (const command of [['diff'], ['restore', '--yes']]) {
          const { result, all } = await channels([...command, 'account', '--from', url, '--to', url]);
          expect(result.code).toBe(2);
          const error = JSON.parse(result.stdout).error as { message: string; hint: string };
          expect(error.message).toMatch(
            new RegExp(`^The connection URL ${scheme}://… cannot be read as written: .*It is not shown`),
          );
          expect(error.hint).toContain(
            `${char === '%' ? '%' : char} as %${char.charCodeAt(0).toString(16).toUpperCase()}`,
          );
          for (const text of all) for (const piece of PIECES) expect(text).not.toContain(piece);
        }
      });
    }
  }

  it("with '@' connects as meant (the host follows the last '@') and shows no piece of it", async () => {
    const s = await scratch('mysql');
    const user = `pw_${Date.now().toString(36)}`;
    const password = PIECES.join('@');
    try {
      for (const [admin, url] of [
        [s.source, s.sourceUrl],
        [s.target, s.targetUrl],
      ] as const) {
        const db = new URL(url).pathname.slice(1);
        await admin.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
        await admin.exec(`GRANT ALL ON \`${db}\`.* TO '${user}'@'%'`);
      }
      await s.source.exec(
        "CREATE TABLE account (id INT PRIMARY KEY, name TEXT); INSERT INTO account VALUES (1, 'one')",
      );
      await s.target.exec('CREATE TABLE account (id INT PRIMARY KEY, name TEXT)');
      const as = (url: string) => url.replace('mysql://root@', `mysql://${user}:${password}@`);
      const { result, all } = await channels([
        'restore',
        'account',
        '--from',
        as(s.sourceUrl),
        '--to',
        as(s.targetUrl),
        '--yes',
      ]);
      expect(result.stderr).toContain(`target: mysql://${user}@127.0.0.1:`);
      expect(result.code).toBe(0);
      for (const text of all) for (const piece of PIECES) expect(text).not.toContain(piece);
      expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
    } finally {
      await s.source.exec(`DROP USER IF EXISTS '${user}'@'%'`);
      await s.target.exec(`DROP USER IF EXISTS '${user}'@'%'`);
      await s.close();
    }
  }, 120_000);
});
