import { countText } from './count-text.js';
import type { AppliedCounts, Policy, RowClass } from './plan.js';

/** The classes whose source rows a policy writes: missing rows always, changed rows under take-source. */
export function writtenClasses(policy: Policy): RowClass[] {
  return policy.changed === 'take-source' ? ['missing', 'changed'] : ['missing'];
}

/** The classes whose current target rows an apply overwrites or deletes: their pre-image is kept. */
export function overwrittenClasses(policy: Policy): RowClass[] {
  return [
    ...(policy.changed === 'take-source' ? (['changed'] as const) : []),
    ...(policy.extra === 'delete' ? (['extra'] as const) : []),
  ];
}

/** Whether a policy deletes the extra rows. */
export function deletes(policy: Policy): boolean {
  return policy.extra === 'delete';
}

const WRITES = [
  ['inserted', 'insert'],
  ['updated', 'update'],
  ['deleted', 'delete'],
] as const;

/**
 * How the writes a plan would make now exceed what the user was shown ("delete 498 → 598"); empty when no
 * kind of write grew. Fewer writes than shown never count.
 */
export function growth(now: AppliedCounts, shown: AppliedCounts): string[] {
  return WRITES.filter(([k]) => now[k] > shown[k]).map(
    ([k, verb]) => `${verb} ${countText(shown[k])} → ${countText(now[k])}`,
  );
}

/** How the writes shrank since shown ("insert 500 → 450"), for the user to hear about. */
export function shrinkage(now: AppliedCounts, shown: AppliedCounts): string[] {
  return WRITES.filter(([k]) => now[k] < shown[k]).map(
    ([k, verb]) => `${verb} ${countText(shown[k])} → ${countText(now[k])}`,
  );
}

export function totalWrites(counts: AppliedCounts): number {
  return counts.inserted + counts.updated + counts.deleted;
}
