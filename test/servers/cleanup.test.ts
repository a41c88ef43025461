import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../src/servers/postgres.js';

/**
 * A separate Node process (running the built code in dist/) starts one server of each kind and is then
 * killed; no server may outlive it.
 */
const SCRIPT = `
const { startPostgres } = await import(process.argv[1] + '/postgres.js');
const { startMariaDb } = await import(process.argv[1] + '/mariadb.js');
const servers = await Promise.all([startPostgres(), startMariaDb()]);
console.log(JSON.stringify(servers.map((s) => ({ port: s.port, dataDir: s.dataDir }))));
setInterval(() => {}, 1000);
`;
const DIST_SERVERS = new URL('../../dist/servers', import.meta.url).pathname;

interface Started {
  port: number;
  dataDir: string;
}

async function startInChild(): Promise<{
  servers: Started[];
  kill: (signal: NodeJS.Signals) => Promise<void>;
}> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, DIST_SERVERS], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const [line] = await Promise.race([
    createInterface({ input: child.stdout! })
      [Symbol.asyncIterator]()
      .next()
      .then((next) => [next.value as string]),
    exited.then(() => {
      throw new Error('the child exited before starting its servers');
    }),
  ]);
  return {
    servers: JSON.parse(line!) as Started[],
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('servers outlive no test run', () => {
  it('are stopped and their temp dirs removed when their process gets SIGTERM', async () => {
    const { servers, kill } = await startInChild();
    for (const server of servers) expect(await portOpen(server.port)).toBe(true);
    await kill('SIGTERM');
    for (const server of servers) {
      expect(await eventually(async () => !(await portOpen(server.port)))).toBe(true);
      expect(await exists(dirname(server.dataDir))).toBe(false);
    }
  });

  it('die with their process when it is killed with SIGKILL, and the next start sweeps their dirs', async () => {
    const { servers, kill } = await startInChild();
    await kill('SIGKILL');
    for (const server of servers) {
      expect(await eventually(async () => !(await portOpen(server.port)))).toBe(true);
    }
    const postgresDir = dirname(servers[0]!.dataDir);
    // Starting another server sweeps dirs whose owner and server are gone (retried: they may still be exiting).
    const swept = await eventually(async () => {
      await startAndStop();
      return !(await exists(postgresDir));
    });
    expect(swept).toBe(true);
  });
});

async function startAndStop(): Promise<void> {
  const server = await startPostgres();
  await server.stop();
}
