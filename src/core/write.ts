import type { Connection, Plan } from '../engines/engine.js';
import type { UndoSink } from './images.js';
import type { AppliedCounts, Policy } from './plan.js';
import { deletes, overwrittenClasses, writtenClasses } from './policy.js';
import { imageColumns } from './table.js';
import { noClock, type StepClock } from './timings.js';

/** Where a write stands, for the progress line. */
export type WriteProgress = (step: string, rows: number) => void;

/**
 * Carries out a checked plan inside the open transaction: the pre-image of every row it will overwrite
 * or delete, the inserts, updates and deletes the policy asks for, then the post-image (key and digest,
 * or whole rows: see Capabilities.digestPostImage) of every row it wrote. Both images reach the undo
 * sink (when there is one) before the caller commits.
 */
export async function writePlan(
  target: Connection,
  plan: Plan,
  policy: Policy,
  undo: UndoSink | undefined,
  onProgress: WriteProgress = () => {},
  clock: StepClock = noClock,
): Promise<AppliedCounts> {
  const schema = plan.staged.target;
  const columns = imageColumns(schema).map((c) => c.name);
  // Rows of an inheritance parent live in its children: the images say which, so undo puts them back there.
  const origin = schema.partitioning === 'inheritance' && target.engine.capabilities.inheritance;
  const before = overwrittenClasses(policy);
  if (undo && before.length > 0) {
    await clock.time('pre-image', () => undo.writeBefore(columns, origin, target.image(plan, before)));
  }
  const inserted = await clock.time('insert', () => target.insertMissing(plan));
  onProgress('insert', inserted);
  const updated =
    policy.changed === 'take-source' ? await clock.time('update', () => target.updateChanged(plan)) : 0;
  onProgress('update', updated);
  const deleted = deletes(policy) ? await clock.time('delete', () => target.deleteExtra(plan)) : 0;
  onProgress('delete', deleted);
  if (undo) {
    const after = writtenClasses(policy);
    // Key and digest where that is no slower than the whole row (see Capabilities.digestPostImage).
    await clock.time('post-image', () =>
      target.engine.capabilities.digestPostImage
        ? undo.writeAfter(
            { key: schema.key?.columns ?? [], digest: target.engine.digest },
            target.digests(schema, { plan, classes: after }),
          )
        : undo.writeAfter({ columns, origin }, target.image(plan, after)),
    );
  }
  return { inserted, updated, deleted };
}
