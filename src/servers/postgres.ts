import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ServerProcess, startProcess, stopProcess, waitUntilReady } from './child.js';
import { makeServerDir, recordServerPid, removeServerDir } from './cleanup.js';
import { freePort } from './free-port.js';
import { commandAs, type OsUser, runCommand, serviceUser } from './os-user.js';
import { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import type { RunningServer, ServerOptions } from './server.js';
import { writeServerFiles } from './server-files.js';

export interface PostgresOptions extends ServerOptions {
  /** initdb `--locale` (default `C`). */
  locale?: string;
  /** Makes ICU the default collation provider with this ICU locale (PostgreSQL 15+), e.g. `en-US`. */
  icuLocale?: string;
  /** Binaries to use instead of searching for them. */
  binaries?: PostgresBinaries;
}

/** Settings for a throwaway server: no durability, no background noise. */
const DEFAULT_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  logging_collector: 'off',
  max_wal_size: '1GB',
  checkpoint_timeout: '1h',
  log_min_messages: 'warning',
};

const START_ATTEMPTS = 3;

/**
 * Starts a PostgreSQL server in a new temp dir on a free port of 127.0.0.1, with trust authentication for
 * the `postgres` superuser. Runs it as the `postgres` OS user when this process is root.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningServer> {
  const binaries = options.binaries ?? (await findPostgresBinaries());
  const user = await serviceUser('postgres', 'PostgreSQL', { create: options.createUser === true });
  const dir = await makeServerDir('postgres', user, 'SIGQUIT');
  try {
    const dataDir = join(dir.dir, 'data');
    const socketDir = join(dir.dir, 'socket');
    await mkdir(socketDir, { mode: 0o700 });
    if (user) await chown(socketDir, user.uid, user.gid);
    await initdb(binaries, user, dataDir, dir.dir, options);
    await writeServerFiles(dataDir, user, options.files);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = await launch(binaries, user, { dataDir, socketDir, port, cwd: dir.dir }, options);
      await recordServerPid(dir, server.child.pid ?? 0);
      try {
        await waitUntilReady(server, () => probe(port), { timeoutMs: 60_000, what: 'PostgreSQL' });
      } catch (error) {
        await stopProcess(server, 'SIGQUIT', 5_000);
        if (attempt < START_ATTEMPTS && /could not bind|already in use/i.test(server.logTail())) continue;
        throw error;
      }
      let stopped: Promise<void> | undefined;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        dataDir,
        binDir: binaries.binDir,
        stop: () => {
          // SIGINT is the fast shutdown: abort transactions, skip waiting for clients.
          stopped ??= stopProcess(server, 'SIGINT', 15_000).then(() => removeServerDir(dir));
          return stopped;
        },
      };
    }
  } catch (error) {
    await removeServerDir(dir);
    throw error;
  }
}

/**
 * Starts a hot standby of `primary` (a server this module started, on 127.0.0.1): a base backup taken with
 * `pg_basebackup -R` (which writes the replication settings), then a server on it on a free port. It
 * replays what the primary writes and refuses every write itself.
 */
export async function startPostgresStandby(
  primary: RunningServer,
  options: PostgresOptions = {},
): Promise<RunningServer> {
  const binaries = options.binaries ?? (await findPostgresBinaries());
  const user = await serviceUser('postgres', 'PostgreSQL', { create: options.createUser === true });
  const dir = await makeServerDir('postgres', user, 'SIGQUIT');
  try {
    const dataDir = join(dir.dir, 'data');
    const socketDir = join(dir.dir, 'socket');
    await mkdir(socketDir, { mode: 0o700 });
    if (user) await chown(socketDir, user.uid, user.gid);
    const backup = ['-D', dataDir, '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(primary.port)];
    const command = await commandAs(user, join(binaries.binDir, 'pg_basebackup'), [
      ...backup,
      '-U',
      'postgres',
    ]);
    await runCommand(command, { env: binaries.env, cwd: dir.dir, what: 'pg_basebackup' });
    const port = await freePort();
    const server = await launch(binaries, user, { dataDir, socketDir, port, cwd: dir.dir }, options);
    await recordServerPid(dir, server.child.pid ?? 0);
    try {
      await waitUntilReady(server, () => probe(port), { timeoutMs: 60_000, what: 'PostgreSQL standby' });
    } catch (error) {
      await stopProcess(server, 'SIGQUIT', 5_000);
      throw error;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      binDir: binaries.binDir,
      stop: () => {
        stopped ??= stopProcess(server, 'SIGINT', 15_000).then(() => removeServerDir(dir));
        return stopped;
      },
    };
  } catch (error) {
    await removeServerDir(dir);
    throw error;
  }
}

async function initdb(
  binaries: PostgresBinaries,
  user: OsUser | undefined,
  dataDir: string,
  cwd: string,
  options: PostgresOptions,
): Promise<void> {
  const args = ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--no-sync'];
  args.push(`--locale=${options.locale ?? 'C'}`);
  if (options.icuLocale) args.push('--locale-provider=icu', `--icu-locale=${options.icuLocale}`);
  const command = await commandAs(user, binaries.initdb, args);
  const output = await runCommand(command, { env: binaries.env, cwd, what: 'initdb' });
  for (const line of output.split('\n')) if (line) options.log?.(line);
}

async function launch(
  binaries: PostgresBinaries,
  user: OsUser | undefined,
  where: { dataDir: string; socketDir: string; port: number; cwd: string },
  options: PostgresOptions,
): Promise<ServerProcess> {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const args = ['-D', where.dataDir, '-p', String(where.port), '-k', where.socketDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  // SIGQUIT on our death: an immediate shutdown that also ends every backend.
  const command = await commandAs(user, binaries.postgres, args, { dieWithParent: 'QUIT' });
  return startProcess(command, { cwd: where.cwd, env: binaries.env, log: options.log });
}

async function probe(port: number): Promise<void> {
  // Loaded when first needed: the library's entry exports this module, and every command would pay for it.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}
