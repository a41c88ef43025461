import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { sweepStale } from '../../src/servers/cleanup.js';
import './context.js';
import { BINLOG_CONFIGS, type BinlogConfig, binlogServer, serverPair, stopServers } from './servers.js';

/**
 * Runs once per `vitest run`, in the main process. Servers start lazily: test workers ask this process
 * over a local HTTP endpoint (`GET /servers/<engine>`) the first time they need an engine, so a run of
 * PostgreSQL-only tests never starts MariaDB. Everything started is stopped in the teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A run killed before its teardown leaves its temp root; the next run removes it.
  await sweepStale('test');
  const tempRoot = await mkdtemp(join(tmpdir(), 'rowback-test-'));
  await writeFile(join(tempRoot, 'owner.pid'), String(process.pid));
  const control = createServer((request, response) => {
    const binlog = /^\/binlog\/(\w+)$/.exec(request.url ?? '')?.[1];
    if (binlog && binlog in BINLOG_CONFIGS) {
      binlogServer(binlog as BinlogConfig).then(
        (url) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url })),
        (error: unknown) =>
          response.writeHead(500).end(error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    const engine = /^\/servers\/(postgres|mysql)$/.exec(request.url ?? '')?.[1] as
      | 'postgres'
      | 'mysql'
      | undefined;
    if (!engine) {
      response.writeHead(404).end();
      return;
    }
    serverPair(engine).then(
      (pair) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pair)),
      (error: unknown) => response.writeHead(500).end(error instanceof Error ? error.message : String(error)),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const { port } = control.address() as AddressInfo;
  project.provide('rowbackHarness', { controlUrl: `http://127.0.0.1:${port}`, tempRoot });

  return async () => {
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
    await stopServers();
    await rm(tempRoot, { recursive: true, force: true });
  };
}
