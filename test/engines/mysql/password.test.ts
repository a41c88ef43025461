import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import type { PasswordRequest } from '../../../src/index.js';
import { withEnv } from '../../harness/env.js';
import { runCli, tempDir } from '../../harness/index.js';
import { cliCommand, runInTerminal } from '../../harness/tmux.js';
import { SECRET_PASSWORD, type SecureServer, startSecureMariaDb } from './secure-server.js';

let secure: SecureServer;
let port: number;

beforeAll(async () => {
  secure = await startSecureMariaDb();
  port = secure.server.port;
}, 120_000);

afterAll(async () => {
  await secure?.server.stop();
});

const target = (scheme = 'mysql') => `${scheme}://secret@127.0.0.1:${port}/app`;
const label = () => `mysql://secret@127.0.0.1:${port}/app`;
/** Nothing from the developer's own environment: no MYSQL_* variables, a HOME without .my.cnf. */
const clean = async () => ({
  HOME: await tempDir(),
  MYSQL_PWD: '',
  MYSQL_HOST: '',
  MYSQL_TCP_PORT: '',
  MYSQL_UNIX_PORT: '',
  MYSQL_HOME: '',
  MARIADB_HOME: '',
});

async function connects(url: string, askPassword?: (r: PasswordRequest) => Promise<string | undefined>) {
  const { session } = await openSession(url, askPassword ? { askPassword } : {});
  try {
    return await session.scalar('SELECT CURRENT_USER()');
  } finally {
    await session.close();
  }
}

const refusal = (url: string, options = {}) =>
  openSession(url, options).then(
    async ({ session }) => {
      await session.close();
      throw new Error(`connected to ${url}`);
    },
    (error: unknown) => error as RowbackError,
  );

describe('a MySQL/MariaDB password, found where the mysql client finds it or asked for', () => {
  it('without one anywhere and nobody to ask, says that none was supplied and where to put it', async () => {
    await withEnv(await clean(), async () => {
      const error = await refusal(target());
      expect(error.code).toBe('connection');
      expect(error.message).toBe(
        `Cannot connect to ${label()}: the server asks for a password and none was supplied.`,
      );
      expect(error.hint).toBe(
        'Give it in ~/.my.cnf under [client] on a line password = … (chmod 600), in MYSQL_PWD, or in the URL, percent-encoded; run at a terminal, rowback asks for it.',
      );
    });
  });

  it('asks once, saying where and as whom, when the server refuses a connection without one', async () => {
    await withEnv(await clean(), async () => {
      const asked: PasswordRequest[] = [];
      const ask = async (request: PasswordRequest) => {
        asked.push(request);
        return SECRET_PASSWORD;
      };
      expect(await connects(target(), ask)).toBe('secret@%');
      expect(asked).toEqual([{ target: label(), user: 'secret' }]);
      const error = await refusal(target(), { askPassword: async () => 'wrong' });
      expect(error.message).toBe(
        `Cannot connect to ${label()}: the server refused user "secret" (Access denied for user 'secret'@'127.0.0.1' (using password: YES)).`,
      );
      expect(error.hint).toBe('The password typed was not accepted; run again to retype it.');
      // root needs no password: nobody is asked
      asked.length = 0;
      expect(await connects(`mysql://root@127.0.0.1:${port}/app`, ask)).toBe('root@127.0.0.1');
      expect(asked).toEqual([]);
    });
  });

  it('reads the URL (percent-encoded), MYSQL_PWD and ~/.my.cnf, option files before the environment', async () => {
    const env = await clean();
    const cnf = join(env.HOME, '.my.cnf');
    const diff = (url: string, extra: Record<string, string> = {}) =>
      runCli(['diff', 'account', '--from', url, '--to', url, '--no-progress'], { env: { ...env, ...extra } });
    const expectOk = (result: { code: number | null; stdout: string; stderr: string }) => {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`target: ${label()}`);
      expect(result.stdout + result.stderr).not.toContain('S3cret');
    };

    expectOk(await diff(`mysql://secret:${encodeURIComponent(SECRET_PASSWORD)}@127.0.0.1:${port}/app`));
    expectOk(await diff(target(), { MYSQL_PWD: SECRET_PASSWORD }));

    // quoted, as a value holding '#' must be; [client] wins over MYSQL_PWD
    await writeFile(
      cnf,
      `# rowback test\n[mysqld]\npassword=nope\n[client]\npassword = "${SECRET_PASSWORD}"\n`,
      {
        mode: 0o600,
      },
    );
    expectOk(await diff(target()));
    expectOk(await diff(target(), { MYSQL_PWD: 'wrong' }));
  }, 180_000);

  it('reads [client-mariadb] for mariadb:// only, and ignores a file anyone may write to, saying so', async () => {
    const env = await clean();
    const cnf = join(env.HOME, '.my.cnf');
    const diff = (url: string, extra: Record<string, string> = {}) =>
      runCli(['diff', 'account', '--from', url, '--to', url, '--no-progress'], { env: { ...env, ...extra } });
    await writeFile(cnf, `[client-mariadb]\npassword=${SECRET_PASSWORD}\n`, { mode: 0o600 });
    const mariadb = await diff(target('mariadb'), { MYSQL_PWD: 'wrong' });
    expect(mariadb.code).toBe(0);
    expect(mariadb.stdout).toContain(`target: mariadb://secret@127.0.0.1:${port}/app`);
    const mysql = await diff(target());
    expect(mysql.code).toBe(5);
    expect(mysql.stderr).toContain('the server asks for a password and none was supplied');

    // a file anyone may write to is ignored, as the client ignores it, and said
    await writeFile(cnf, `[client]\npassword=${SECRET_PASSWORD}\n`);
    await chmod(cnf, 0o666);
    const open = await diff(target());
    expect(open.code).toBe(5);
    expect(open.stderr).toContain(
      `${cnf} was ignored: anyone can write to it (chmod o-w it), as the mysql client ignores it.`,
    );
    expect(open.stdout + open.stderr).not.toContain('S3cret');
  }, 180_000);

  it('takes host, port and user from MYSQL_HOST, MYSQL_TCP_PORT and ~/.my.cnf, and the URL wins over them', async () => {
    const env = { ...(await clean()), MYSQL_HOST: '127.0.0.1', MYSQL_TCP_PORT: String(port) };
    await writeFile(join(env.HOME, '.my.cnf'), `[client]\nuser=secret\npassword=${SECRET_PASSWORD}\n`, {
      mode: 0o600,
    });
    const json = async (from: string, to: string, extra: Record<string, string> = {}) => {
      const result = await runCli(['diff', 'account', '--from', from, '--to', to, '--json'], {
        env: { ...env, ...extra },
      });
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain('S3cret');
      return JSON.parse(result.stdout) as { source: string; target: string };
    };
    expect(await json('mysql:///app', 'mysql:///app')).toMatchObject({ source: label(), target: label() });
    // the option file's host and port come before the environment's; the URL's before both
    await writeFile(
      join(env.HOME, '.my.cnf'),
      `[client]\nhost=127.0.0.1\nport=${port}\nuser=secret\npassword=${SECRET_PASSWORD}\n`,
      { mode: 0o600 },
    );
    const report = await json('mysql:///app', `mysql://127.0.0.1:${port}/app`, {
      MYSQL_HOST: 'nowhere.invalid',
      MYSQL_TCP_PORT: '1',
    });
    expect(report).toMatchObject({ source: label(), target: label() });
  }, 180_000);

  it('goes through the Unix socket for localhost, as the client does, and says so', async () => {
    const env = await clean();
    await writeFile(join(env.HOME, '.my.cnf'), `[client]\nsocket=${secure.socket}\nuser=root\n`, {
      mode: 0o600,
    });
    const result = await runCli(
      ['diff', 'account', '--from', 'mysql:///app', '--to', 'mysql://root@localhost/app', '--json'],
      {
        env,
      },
    );
    expect(result.code).toBe(0);
    const where = `mysql://root@localhost/app?socket=${secure.socket}`;
    expect(JSON.parse(result.stdout)).toMatchObject({ source: where, target: where });
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
  }, 180_000);
});
