import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { openSession } from '../../../src/engines/postgres/connect.js';
import type { PasswordRequest } from '../../../src/index.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { runCli, tempDir } from '../../harness/index.js';
import { cliCommand, runInTerminal } from '../../harness/tmux.js';
import { SECRET_PASSWORD, startSecureServer } from './secure-server.js';

let server: RunningServer;
let port: number;

beforeAll(async () => {
  ({ server } = await startSecureServer());
  port = server.port;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const target = () => `postgres://secret@127.0.0.1:${port}/app`;
const label = () => `postgres://secret@127.0.0.1:${port}/app`;
/** Nothing from the developer's own environment: no PGPASSWORD, a HOME without .pgpass. */
const clean = async () => ({ HOME: await tempDir(), PGPASSWORD: '', PGPASSFILE: '' });

async function connects(url: string, askPassword?: (r: PasswordRequest) => Promise<string | undefined>) {
  const session = await openSession(url, askPassword ? { askPassword } : {});
  const { rows } = await session.client.query<{ user: string }>('SELECT current_user AS user');
  await session.client.end();
  return rows[0]?.user;
}

describe('a PostgreSQL password, found where psql finds it or asked for', () => {
  it('without one anywhere and nobody to ask, says that none was supplied and where to put it', async () => {
    const saved = { HOME: process.env.HOME, PGPASSWORD: process.env.PGPASSWORD };
    process.env.HOME = await tempDir();
    delete process.env.PGPASSWORD;
    try {
      const error = (await openSession(target()).catch((e: unknown) => e)) as RowbackError;
      expect(error.code).toBe('connection');
      expect(error.message).toBe(
        `Cannot connect to ${label()}: the server asks for a password and none was supplied.`,
      );
      expect(error.hint).toBe(
        'Give it in PGPASSWORD or ~/.pgpass (chmod 600), or in the URL, percent-encoded; run at a terminal, rowback asks for it.',
      );
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.PGPASSWORD !== undefined) process.env.PGPASSWORD = saved.PGPASSWORD;
    }
  });

  it('asks once, saying where and as whom, when the server wants one; a wrong one is refused clearly', async () => {
    const asked: PasswordRequest[] = [];
    const ask = async (request: PasswordRequest) => {
      asked.push(request);
      return SECRET_PASSWORD;
    };
    expect(await connects(target(), ask)).toBe('secret');
    expect(asked).toEqual([{ target: label(), user: 'secret' }]);
    const error = (await openSession(target(), { askPassword: async () => 'wrong' }).catch(
      (e: unknown) => e,
    )) as RowbackError;
    expect(error.message).toBe(
      `Cannot connect to ${label()}: password authentication failed for user "secret".`,
    );
    expect(error.hint).toBe('The password typed was not accepted; run again to retype it.');
    // the superuser is trusted: nobody is asked
    asked.length = 0;
    expect(await connects(`postgres://postgres@127.0.0.1:${port}/app`, ask)).toBe('postgres');
    expect(asked).toEqual([]);
  });

  it('reads the URL (percent-encoded), PGPASSWORD and ~/.pgpass, with no deprecation warning', async () => {
    const encoded = `postgres://secret:${encodeURIComponent(SECRET_PASSWORD)}@127.0.0.1:${port}/app`;
    const env = await clean();
    const diff = (url: string, extra: Record<string, string> = {}) =>
      runCli(['diff', 'account', '--from', url, '--to', url, '--no-progress'], { env: { ...env, ...extra } });

    const fromUrl = await diff(encoded);
    expect(fromUrl.code).toBe(0);
    expect(fromUrl.stdout).toContain(`target: ${label()}`);
    expect(fromUrl.stdout).not.toContain('S3cret');

    expect((await diff(target(), { PGPASSWORD: SECRET_PASSWORD })).code).toBe(0);

    const pgpass = join(env.HOME, '.pgpass');
    const escaped = SECRET_PASSWORD.replace(/[\\:]/g, '\\$&');
    await writeFile(pgpass, `# rowback test\n127.0.0.1:${port}:*:secret:${escaped}\n`, { mode: 0o600 });
    await chmod(pgpass, 0o600);
    const fromFile = await diff(target());
    expect(fromFile.stderr).toBe('');
    expect(fromFile.code).toBe(0);

    await chmod(pgpass, 0o644);
    const open = await diff(target());
    expect(open.code).toBe(5);
    expect(open.stderr).toContain(
      `${pgpass} was not read: others can read it (mode 644); chmod 600 it, as psql requires.`,
    );
  });

  it('shows the host and port actually reached when they come from PGHOST and PGPORT', async () => {
    const env = { ...(await clean()), PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' };
    const result = await runCli(
      ['diff', 'account', '--from', 'postgres:///app', '--to', 'postgres:///app', '--json'],
      {
        env,
      },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { source: string; target: string };
    expect(report.target).toBe(`postgres://postgres@127.0.0.1:${port}/app`);
    expect(report.source).toBe(`postgres://postgres@127.0.0.1:${port}/app`);
  });

  it('asks at the terminal without echoing, once per place, and Ctrl-C there stops with exit 130', async () => {
    const env = await clean();
    const command = `${cliCommand(['diff', 'account', '--from', target(), '--to', target(), '--no-progress'])} 2>&1 | tee diff.log`;
    const prompt = `Password for secret on ${label()}: `;
    const typed = await runInTerminal(command, { cwd: await tempDir(), env });
    try {
      await typed.waitFor(prompt);
      await typed.keys('-l', SECRET_PASSWORD);
      await typed.keys('Enter');
      expect(await typed.exitCode()).toBe(0);
      const screen = await typed.waitFor('same');
      expect(screen.split(prompt).length).toBe(2); // asked once for source and target alike
      expect(screen).not.toContain(SECRET_PASSWORD);
      expect(screen).toMatch(/same\s+2\s+identical/);
    } finally {
      await typed.close();
    }

    const stopped = await runInTerminal(command, { cwd: await tempDir(), env });
    try {
      await stopped.waitFor(prompt);
      await stopped.keys('C-c');
      expect(await stopped.exitCode()).toBe(130);
      await stopped.waitFor('rowback: Interrupted at the password prompt; nothing was done.');
    } finally {
      await stopped.close();
    }
  });
});
