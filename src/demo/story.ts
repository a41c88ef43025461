import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diff, RowbackError, renderPreview, renderRestore, renderUndo, restore, undo } from '../index.js';
import {
  COLUMNS,
  createBilling,
  INVOICE_COUNT,
  NEW_INVOICE_ID,
  REWRITTEN_INVOICE_ID,
  readBilling,
  TABLE,
  writeAfterAccident,
} from './data.js';
import { openSession, type SqlSession } from './db.js';
import { makeDemoFiles } from './files.js';
import { formatRows, quoted, rows } from './print.js';
import { type DemoServers, startDemoServers } from './servers.js';
import { playUpdate } from './update-story.js';

export interface DemoOptions {
  engine: DemoEngine;
  /** Receives the story, one block of text at a time. */
  write: (text: string) => void;
  /** Keep both servers running after the story until Ctrl-C / SIGTERM, to explore them. */
  keep?: boolean;
}

export type DemoEngine = 'sqlite' | 'postgres' | 'mysql';

const ENGINE_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB/MySQL' };

/**
 * Plays the accident and its repair on two throwaway servers it starts itself, printing what a user would
 * see. Everything it started (servers, temp dirs) is gone when it returns or throws, Ctrl-C included;
 * an interruption rejects with RowbackError('interrupted').
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const { engine, write } = options;
  const controller = new AbortController();
  let servers: DemoServers | undefined;
  let played = false;
  const onSignal = () => {
    controller.abort();
    void servers?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stateDir = await mkdtemp(join(tmpdir(), 'rowback-demo-'));
  try {
    write(`rowback demo on ${ENGINE_NAMES[engine]}\n`);
    write(
      engine === 'sqlite'
        ? 'Making two SQLite database files in a private temp directory (nothing to start)…'
        : `Starting two throwaway ${ENGINE_NAMES[engine]} servers…`,
    );
    servers = engine === 'sqlite' ? await makeDemoFiles() : await startDemoServers(engine);
    checkAborted(controller.signal);
    write(
      `  production ${engine === 'sqlite' ? 'at' : 'on'} ${servers.production.place}, and a point-in-time copy ` +
        `of it ("snapshot") ${engine === 'sqlite' ? 'at' : 'on'} ${servers.snapshot.place}.\n`,
    );
    await play(servers, stateDir, write, controller.signal);
    played = true;
    if (options.keep) {
      write(`\nThe databases stay until Ctrl-C:\n  production ${servers.production.url}`);
      write(`  snapshot   ${servers.snapshot.url}`);
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }));
    }
  } catch (error) {
    if (controller.signal.aborted && !played) {
      throw new RowbackError(
        'interrupted',
        'The demo was interrupted; its servers are stopped and its files removed.',
        {
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await servers?.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  write(
    engine === 'sqlite'
      ? '\nBoth database files are removed.'
      : '\nBoth servers are stopped and their files removed.',
  );
}

async function play(
  servers: DemoServers,
  stateDir: string,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const production = await openSession(servers.production.url);
  const snapshot = await openSession(servers.snapshot.url);
  const show = async (db: SqlSession) => formatRows(COLUMNS, await readBilling(db));
  try {
    await createBilling(production);
    write(
      `1. Production has ${rows(INVOICE_COUNT, 'invoice')} in table ${TABLE}:\n${await show(production)}\n`,
    );
    await production.run(`DELETE FROM ${TABLE}`);
    write(
      `2. 09:15 — someone runs \`DELETE FROM ${TABLE};\` on production, without a WHERE. No invoices left.\n`,
    );
    await writeAfterAccident(production);
    write(
      `3. 09:20 — the application keeps writing: invoice ${NEW_INVOICE_ID} is new, and the payment webhook ` +
        `wrote invoice ${REWRITTEN_INVOICE_ID} again with what the customer paid:\n${await show(production)}\n`,
    );
    await createBilling(snapshot);
    const copied =
      production.engine === 'sqlite'
        ? 'you have copied the backup of the file taken at 09:14 (a Litestream restore, a copy of the file) to the "snapshot"'
        : 'your cloud has restored the whole instance as of 09:14 into a new one, the "snapshot"';
    write(
      `4. 09:40 — ${copied}: it holds the ${rows(INVOICE_COUNT, 'invoice')} as they were. Until now you would ` +
        'dump the table from it and merge by hand.\n',
    );

    const common = { table: TABLE, from: servers.snapshot.url, to: servers.production.url, stateDir, signal };
    write(`5. rowback diff ${TABLE} --from ${servers.snapshot.url} --to ${servers.production.url}`);
    const preview = await diff(common);
    write(`${quoted(renderPreview(preview))}\n`);
    write(
      `   ${rows(preview.plan.missing)} to bring back. Invoice ${REWRITTEN_INVOICE_ID} differs and invoice ` +
        `${NEW_INVOICE_ID} is new: with the default policy rowback keeps both as they are now.\n`,
    );

    write(
      `6. rowback restore ${TABLE} --from … --to … asks with that preview, then writes in one transaction:`,
    );
    const restored = await restore({ ...common, confirm: async () => true });
    write(`${quoted(renderRestore(restored))}\n${await show(production)}\n`);

    write(`7. rowback undo ${restored.id} puts production back exactly as it was before the restore:`);
    const undone = await undo({ id: restored.id, to: servers.production.url, stateDir, signal });
    write(`${quoted(renderUndo(undone))}\n${await show(production)}\n`);

    write('8. And restore once more, for good:');
    const again = await restore({ ...common, confirm: async () => true });
    write(`${quoted(renderRestore(again))}\n${await show(production)}\n`);

    await playUpdate({ production, snapshot, common, write }, 9);
  } finally {
    await Promise.allSettled([production.close(), snapshot.close()]);
  }
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new RowbackError('interrupted', 'The demo was interrupted.');
}
