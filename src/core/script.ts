import type { Connection, Staged } from '../engines/engine.js';
import { intendedWrites, type Policy } from './plan.js';
import { deletes, overwrittenClasses, writtenClasses } from './policy.js';
import type { Classified } from './preview.js';
import { writeScriptFile } from './script-file.js';
import { formatTable } from './table.js';

/** A name inside a `--` comment: a line break in it would end the comment and start a statement. */
function inComment(text: string): string {
  return text.replace(/[\r\n\x00-\x1f]/g, ' ');
}

/**
 * Writes the plan as a SQL script for the engine's own client, in the order an apply runs: the pinned
 * settings, one transaction and the apply's lock; the rows to write and the target rows as previewed in
 * work tables; a stop when a parent is missing; inserts of keys still absent, updates and deletes of rows
 * still exactly as previewed; counters; a report of what was written and skipped; COMMIT. A row written
 * since the script was made is never overwritten.
 */
export async function writeScript(
  target: Connection,
  staged: Staged,
  classified: Classified,
  options: { policy: Policy; path: string; where?: string },
): Promise<void> {
  await writeScriptFile(options.path, (write) =>
    scriptText(target, staged, classified, { ...options, write }),
  );
}

/** The script's text, handed to `write` in order (see writeScript). */
export async function scriptText(
  target: Connection,
  staged: Staged,
  classified: Classified,
  options: { policy: Policy; where?: string; write: (text: string) => Promise<void> },
): Promise<void> {
  const { policy, write } = options;
  const plan = classified.handle!;
  const steps = target.script;
  const counts = classified.plan;
  const schema = staged.target;
  const afterCommit = target.engine.capabilities.countersAfterCommit;
  await write(
    `-- rowback restore of ${inComment(formatTable(schema.ref))}: ${counts.missing} missing, ${counts.changed} changed, ${counts.extra} extra, ${counts.same} same\n` +
      `-- policy: changed ${policy.changed}, extra ${policy.extra}. Run with: ${steps.runWith}\n` +
      '-- Rows changed since this script was written are left as they are and counted as skipped.\n',
  );
  await write(await steps.begin(schema));
  for await (const text of steps.load(plan, writtenClasses(policy), overwrittenClasses(policy))) {
    await write(text);
  }
  await write(await steps.checkParents(plan, writtenClasses(policy)));
  await write(await steps.insertMissing(plan));
  if (policy.changed === 'take-source') await write(await steps.updateChanged(plan));
  if (deletes(policy)) await write(await steps.deleteExtra(plan));
  if (!afterCommit) await write(await steps.moveCounters(schema));
  await write(await steps.report(intendedWrites(counts, policy)));
  await write(await steps.commit());
  if (afterCommit) await write(await steps.moveCounters(schema));
}
