import { RowbackError, type RunningServer, startMariaDb, startPostgres } from '../index.js';
import { openSession, quoteName } from './db.js';

/** The database the demo creates on each server. */
const DATABASE = 'shop';

/**
 * The demo's two databases: the live one and the copy restored to a moment before the accident, each with
 * where it is for the story (`127.0.0.1:PORT`, or a SQLite file's path).
 */
export interface DemoServers {
  production: { url: string; place: string };
  snapshot: { url: string; place: string };
  /** Stops both servers and removes their files. Safe to call twice, and concurrently. */
  stop(): Promise<void>;
}

/** Starts both servers side by side; if either fails, the other is stopped before the error is thrown. */
export async function startDemoServers(engine: 'postgres' | 'mysql'): Promise<DemoServers> {
  const start = () =>
    engine === 'postgres' ? startPostgres({ createUser: true }) : startMariaDb({ createUser: true });
  const results = await Promise.allSettled([start(), start()]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.allSettled(started.map((server) => server.stop())).then(() => undefined);
    return stopping;
  };
  try {
    for (const r of results) if (r.status === 'rejected') throw explain(r.reason, engine);
    const [production, snapshot] = started as [RunningServer, RunningServer];
    return {
      production: { url: await createDatabase(production.url), place: `127.0.0.1:${production.port}` },
      snapshot: { url: await createDatabase(snapshot.url), place: `127.0.0.1:${snapshot.port}` },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A missing MariaDB/MySQL install gets a hint that the PostgreSQL demo needs none. */
function explain(error: unknown, engine: 'postgres' | 'mysql'): unknown {
  if (engine !== 'mysql' || !(error instanceof RowbackError) || error.code !== 'unsupported') return error;
  return new RowbackError('unsupported', `The MariaDB/MySQL demo needs a server install: ${error.message}`, {
    hint: `${error.hint ?? 'Install MariaDB.'} Or run \`rowback demo\`: on PostgreSQL it runs without any install.`,
    cause: error,
  });
}

/** Creates the demo's database on a fresh server and returns a URL naming it. */
async function createDatabase(url: string): Promise<string> {
  const db = await openSession(url);
  try {
    await db.run(`CREATE DATABASE ${quoteName(db.engine, DATABASE)}`);
  } finally {
    await db.close();
  }
  const named = new URL(url);
  named.pathname = `/${DATABASE}`;
  return named.toString();
}
