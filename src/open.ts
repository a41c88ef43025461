import { open as openFile } from 'node:fs/promises';
import { RowbackError } from './core/errors.js';
import { redactUrl, registerUrlSecrets } from './core/redact.js';
import type { Opened, Opener } from './core/sessions.js';
import type { Source, SourceContext } from './core/source.js';
import type { Connection, ConnectOptions, Engine } from './engines/engine.js';
import { engineForFile, engineForUrl, isDatabaseUrl } from './engines/index.js';
import { describeHead, isWalHeader } from './engines/sqlite/file.js';
import { backoutRefused, openSource } from './sources/index.js';
import { openLiveSource } from './sources/live.js';

/**
 * Where a URL or a file name becomes an engine session or a source: the only module that knows the
 * registries of engines (`src/engines/index.ts`) and sources (`src/sources/index.ts`). The core reaches
 * them through the `Opener` below, so it imports neither.
 */

/** The first bytes of a file, or undefined when `path` is not a readable file. */
async function fileHead(path: string): Promise<Buffer | undefined> {
  try {
    const handle = await openFile(path, 'r');
    try {
      const head = Buffer.alloc(100);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Looks like a file name rather than a URL: a path, or a database file's usual ending. */
function looksLikePath(location: string): boolean {
  // `oracle://host/db` is a URL of a database rowback does not know, not a file path
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return false;
  return /[/\\]/.test(location) || /\.(db|sqlite3?|db3)$/i.test(location);
}

/** The engine a URL (by its scheme) or a database file (by its first bytes) belongs to. */
export async function engineFor(location: string): Promise<Engine> {
  if (!isDatabaseUrl(location)) {
    const head = await fileHead(location);
    const engine = head ? await engineForFile(head) : undefined;
    if (engine) return engine;
    if (head) {
      throw new RowbackError(
        'usage',
        `${location} is ${describeHead(head)}, not a database rowback can connect to.`,
        {
          hint: 'Give a connection URL or the path of a SQLite database file; a dump or backup to read from goes after --from.',
        },
      );
    }
    if (looksLikePath(location)) {
      const orphan = await fileHead(`${location}-wal`);
      throw new RowbackError('connection', `There is no database file at ${location}.`, {
        hint: orphan
          ? `${location}-wal is there without its database: a write-ahead log holds only recent pages. Point at the database file itself.`
          : 'Check the path; rowback does not create databases.',
      });
    }
  }
  return engineForUrl(location);
}

/** Opens one pinned session on a database: what the demo, the bench, tests and embedders query through. */
export async function connect(location: string, options: ConnectOptions = {}): Promise<Connection> {
  registerUrlSecrets(location);
  const engine = await engineFor(location);
  return engine.connect(location, { applicationName: 'rowback', ...options });
}

function kept<T>(value: T): Opened<T> {
  return { value, close: async () => {} };
}

/** The opener the library's public functions use. */
export const opener: Opener = {
  async engine(to) {
    return typeof to === 'string' ? engineFor(to) : to.engine;
  },

  async target(to, options = {}) {
    if (typeof to !== 'string') return kept(to);
    registerUrlSecrets(to);
    const engine = await engineFor(to);
    const target: Connection = await engine.connect(to, { applicationName: 'rowback', ...options });
    return { value: target, close: () => target.close() };
  },

  async source(from, target, context = {}) {
    if (typeof from !== 'string') return kept<Source>(from);
    registerUrlSecrets(from);
    const options = { ...context, profile: await target.profile(), targetEngine: target.engine.name };
    const engine = isDatabaseUrl(from) ? await engineForUrl(from) : await engineForFileAt(from);
    if (!engine) await refuseWalFile(from);
    if (engine && options.flags?.backout !== undefined) throw backoutRefused(from, 'a live database');
    if (engine) refuseTimeTravel(from, options);
    const source = engine ? await openLiveSource(engine, from, options) : await openSource(from, options);
    return { value: source, close: () => source.close() };
  },
};

/** A SQLite write-ahead log given instead of its database: no source kind could read it. */
async function refuseWalFile(path: string): Promise<void> {
  const head = await fileHead(path);
  if (!head || !isWalHeader(head)) return;
  throw new RowbackError('usage', `${path} is ${describeHead(head)}.`, {
    hint: 'Give the database file beside it (copied together with its -wal file, if the backup has one).',
  });
}

async function engineForFileAt(path: string): Promise<Engine | undefined> {
  const head = await fileHead(path);
  return head ? engineForFile(head) : undefined;
}

/** A live database holds one moment, now: --as-of and the flags of other kinds are mistakes worth saying. */
function refuseTimeTravel(from: string, options: SourceContext): void {
  const flags = options.flags ?? {};
  const given = Object.entries({
    '--as-of': options.asOf,
    '--wal-archive': flags.walArchive,
    '--restore-command': flags.restoreCommand,
    '--binlog-dir': flags.binlogDir,
    '--from-database': flags.database,
  })
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  if (given.length === 0) return;
  throw new RowbackError(
    'usage',
    `${given.join(', ')} does not apply to ${redactUrl(from)}: a live database holds one moment, now.`,
    {
      hint: 'Drop it to read the database as it is, or give a source that can travel in time: a base backup with --wal-archive, rds:INSTANCE.',
    },
  );
}
