import { inject } from 'vitest';
import './context.js';
import type { ServerPair } from './context.js';
import type { EngineName } from './index.js';

const pairs = new Map<EngineName, Promise<ServerPair>>();

/** The engine's server pair, asking the global setup to start it if this run has not yet. */
export function serverPairFor(engine: EngineName): Promise<ServerPair> {
  let pair = pairs.get(engine);
  if (!pair) {
    pair = (async () => {
      const response = await fetch(`${inject('rowbackHarness').controlUrl}/servers/${engine}`);
      const body = await response.text();
      if (!response.ok) throw new Error(`The test ${engine} servers did not start: ${body}`);
      return JSON.parse(body) as ServerPair;
    })();
    pair.catch(() => pairs.delete(engine));
    pairs.set(engine, pair);
  }
  return pair;
}

const binlogs = new Map<string, Promise<string>>();

/**
 * The superuser URL of the run's MariaDB server with a binary log in that configuration (see
 * `BinlogConfig` in servers.ts), asking the global setup to start it if this run has not yet.
 */
export function binlogServerUrl(config: 'rows' | 'full' | 'minimal'): Promise<string> {
  let url = binlogs.get(config);
  if (!url) {
    url = (async () => {
      const response = await fetch(`${inject('rowbackHarness').controlUrl}/binlog/${config}`);
      const body = await response.text();
      if (!response.ok) throw new Error(`The test binlog server (${config}) did not start: ${body}`);
      return (JSON.parse(body) as { url: string }).url;
    })();
    url.catch(() => binlogs.delete(config));
    binlogs.set(config, url);
  }
  return url;
}

/** The run's temp root (removed by the global setup's teardown). */
export function tempRoot(): string {
  return inject('rowbackHarness').tempRoot;
}
