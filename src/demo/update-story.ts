import { diff, renderPreview, renderRestore, restore } from '../index.js';
import {
  ACCOUNT_COLUMNS,
  ACCOUNTS,
  createAccounts,
  readAccounts,
  UPDATE_ACCIDENT,
  writeAfterUpdate,
} from './accounts.js';
import type { SqlSession } from './db.js';
import { formatRows, quoted } from './print.js';

/** The sessions and settings the UPDATE story plays with (see story.ts). */
export interface UpdateScene {
  production: SqlSession;
  snapshot: SqlSession;
  common: { from: string; to: string; stateDir: string; signal: AbortSignal };
  write: (text: string) => void;
}

const MARK = "plan = 'free'";

/**
 * The second story: `UPDATE accounts SET plan = 'free'` without WHERE, later edits of that column and of
 * others, then a repair of that one column, only where the accident's mark is still there.
 */
export async function playUpdate(scene: UpdateScene, first: number): Promise<void> {
  const { production, snapshot, common, write } = scene;
  const show = async () => formatRows(ACCOUNT_COLUMNS, await readAccounts(production));
  let step = first;
  await createAccounts(production);
  await createAccounts(snapshot);
  write(
    `${step++}. The sibling accident. Production also has table ${ACCOUNTS}, and the snapshot holds it as of 09:14:\n${await show()}\n`,
  );
  await production.run(UPDATE_ACCIDENT);
  await writeAfterUpdate(production);
  write(
    `${step++}. 09:16 — the same session runs \`${UPDATE_ACCIDENT};\`, without a WHERE. Every row is still ` +
      'there: nothing is missing, the damage is in one column. Since then Globex upgraded again (plan), ' +
      'Initech and Hooli changed their seats, and Tyrell signed up:\n' +
      `${await show()}\n`,
  );
  write(
    `   The default policy would keep the damage; --changed take-source would also undo Globex's upgrade and the seat changes.\n`,
  );
  const repair = { ...common, table: ACCOUNTS, columns: ['plan'], targetWhere: MARK };
  write(`${step++}. rowback diff ${ACCOUNTS} --from … --to … --columns plan --target-where "${MARK}"`);
  const preview = await diff(repair);
  write(`${quoted(renderPreview(preview))}\n`);
  write(
    '   Only plan is compared and written; a row is touched only while its plan still reads free. ' +
      'Globex is free no more: kept.\n',
  );
  write(`${step++}. rowback restore ${ACCOUNTS} --from … --to … --columns plan --target-where "${MARK}":`);
  const restored = await restore({ ...repair, confirm: async () => true });
  write(`${quoted(renderRestore(restored))}\n${await show()}`);
}
