import { randomBytes } from 'node:crypto';
import { parseAsOf } from '../../../src/core/as-of.js';
import { writableColumns } from '../../../src/core/table.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { encodeRows } from '../../../src/engines/mysql/read.js';
import { type AsOfImage, buildAsOf } from '../../../src/sources/binlog/as-of.js';
import type { AsOfSpec } from '../../../src/sources/binlog/as-of-spec.js';
import { AsOfStream } from '../../../src/sources/binlog/as-of-stream.js';
import { readHistory } from '../../../src/sources/binlog/history.js';
import { readTableHistory, type TableHistory } from '../../../src/sources/binlog/read.js';
import { SpillDir } from '../../../src/sources/binlog/spill.js';
import { connectClient } from '../../harness/clients.js';
import { binlogServerUrl, type SqlClient } from '../../harness/index.js';

/** A fresh database on one of the run's binlog servers, with a pinned client. */
export interface BinlogDb {
  url: string;
  admin: string;
  name: string;
  sql: SqlClient;
  close(): Promise<void>;
}

export async function binlogDb(config: 'rows' | 'full' | 'minimal'): Promise<BinlogDb> {
  return databaseOn(await binlogServerUrl(config));
}

/**
 * The table's rows as rowback's MySQL engine reads them (the text row format, one line a row), ordered by
 * key: FLOAT and DOUBLE as `CAST(col AS DOUBLE)`, the exact text docs/engines.md names for them.
 */
export async function tableLines(url: string, table: string): Promise<string[]> {
  const connection = await mysqlEngine.connect(url);
  const schema = await connection.describe({ name: table });
  await connection.close();
  const { session } = await openSession(url);
  try {
    const columns = writableColumns(schema).map((c) =>
      /^(float|double|real)\b/i.test(c.type) ? `CAST(\`${c.name}\` AS DOUBLE)` : `\`${c.name}\``,
    );
    const key = schema.key!.columns.map((k) => `\`${k}\``).join(', ');
    const rows = session.stream(`SELECT ${columns.join(', ')} FROM \`${table}\` ORDER BY ${key}`);
    const lines: string[] = [];
    for await (const chunk of encodeRows(rows))
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    return lines;
  } finally {
    await session.close();
  }
}

/** The server's clock, as a time `--as-of` reads (seconds, UTC offset given). */
export async function serverNow(sql: SqlClient): Promise<string> {
  const [[now]] = (await sql.query("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%sZ')")) as [
    [string],
  ];
  return now;
}

/** Waits until the server's clock shows a new second, so that what follows is stamped after `since`. */
export async function nextSecond(sql: SqlClient): Promise<string> {
  const start = await serverNow(sql);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await serverNow(sql);
    if (now !== start) return now;
  }
}

export interface Read {
  history: TableHistory;
  /** The as-of image as the source gets it: built while reading, else from the history. */
  asOf: AsOfImage;
  /** Whether it was built while reading (every transaction read counted). */
  streamed: boolean;
  /** The as-of image built from the history afterwards, always. */
  fromHistory: AsOfImage;
  /** Counted changes in binlog order, images as text. */
  changes: { kind: string; before?: string; after?: string }[];
  dir: SpillDir;
}

/** Reads the table's binlog history from `asOf` on, and its as-of image. */
export async function readBinlog(
  url: string,
  table: string,
  at: AsOfSpec | { time: string },
  /** The memory budget of the image built while reading (past it, the history builds the rest). */
  streamBudget?: number,
): Promise<Read> {
  const asOf: AsOfSpec =
    'time' in at && typeof at.time === 'string'
      ? { time: parseAsOf(at.time), text: at.time }
      : (at as AsOfSpec);
  const connection = await mysqlEngine.connect(url);
  const schema = await connection.describe({ name: table });
  await connection.close();
  const dir = await SpillDir.create();
  const image = new AsOfStream(dir, streamBudget);
  const history = await readTableHistory({
    url,
    table: schema.ref,
    asOf,
    wanted: { table: schema, columns: writableColumns(schema).map((c) => c.name), key: schema.key!.columns },
    dir,
    image,
    // With a budget, as the source reads: the history kept only from the hand-over on.
    ...(streamBudget === undefined ? {} : { keepHistory: false }),
  });
  const streamed = image.finish();
  const file = { path: history.path, transactions: history.writer.transactions, files: history.writer.files };
  const changes = [...readHistory(file.path, file.transactions, file.files)].map((c) => ({
    kind: c.kind,
    ...(c.before ? { before: c.before.toString('utf8') } : {}),
    ...(c.after ? { after: c.after.toString('utf8') } : {}),
  }));
  // In files of its own: after a hand-over the image built while reading wrote the usual names.
  const apart = { file: (name: string) => dir.file(`from-history-${name}`) } as SpillDir;
  const fromHistory = buildAsOf(file, apart);
  return {
    history,
    asOf: streamed ? image.complete(streamed, file) : fromHistory,
    streamed: streamed !== undefined,
    fromHistory,
    changes,
    dir,
  };
}

/**
 * A MariaDB with a binary log for this test file alone, for tests that change the server's global binlog
 * settings (checksum, compression) and must not disturb other files.
 */
export async function privateBinlogServer(settings: Record<string, string> = {}): Promise<{
  url: string;
  /** Where its binary log files are. */
  dataDir: string;
  stop(): Promise<void>;
}> {
  const { startMariaDb, BINLOG_SETTINGS } = await import('../../../src/servers/mariadb.js');
  const server = await startMariaDb({ settings: { ...BINLOG_SETTINGS, ...settings } });
  return { url: server.url, dataDir: server.dataDir, stop: () => server.stop() };
}

/** A database on a server, with a pinned client. */
export async function databaseOn(admin: string): Promise<BinlogDb> {
  const name = `rb_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const root = await connectClient('mysql', admin);
  await root.exec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await root.close();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const sql = await connectClient('mysql', url.toString());
  return { url: url.toString(), admin, name, sql, close: () => sql.close() };
}
