import type { BackoutConflict } from '../core/backout.js';
import type { BackoutSummary } from '../core/backout-source.js';
import { countText } from '../core/count-text.js';

const n = countText;

const SINCE: Record<BackoutConflict['kind'], string> = {
  edited: 'changed again since',
  deleted: 'deleted since',
  'written-again': 'its key written again since',
  'edited-insert': 'inserted by the accident, changed since',
};

/** What `--backout` found: the range, what it sets back, and each conflict with its three values. */
export function renderBackout(b: BackoutSummary, shown: number): string[] {
  const c = b.counts;
  const lines = [
    '',
    `Backing out ${b.range}: ${n(b.transactions)} transaction(s) changed ${n(c.keys)} row(s)`,
    `  set back ${n(c.setBack)} row(s) (${n(c.cells)} value(s)), insert again ${n(c.insertedAgain)}, delete ${n(c.deleted)}; nothing to do for ${n(c.untouched)}`,
  ];
  if (c.conflicts === 0) {
    lines.push('  no conflicts: nothing the accident changed was changed again since');
    return lines;
  }
  lines.push(
    b.conflictPolicy === 'take-source'
      ? `  conflicts ${n(c.conflicts)}: changed again since the accident → set back anyway (--conflicts take-source)`
      : `  conflicts ${n(c.conflicts)}: changed again since the accident → left as they are now (--conflicts take-source sets them back)`,
  );
  for (const conflict of b.conflicts.slice(0, Math.max(shown, 0))) {
    const key = Object.entries(conflict.key)
      .map(([k, v]) => `${k}=${v === null ? 'NULL' : /^[\w.:+-]+$/u.test(v) ? v : JSON.stringify(v)}`)
      .join(', ');
    lines.push(`    ${key}  (${SINCE[conflict.kind]})`);
    for (const col of conflict.columns) {
      lines.push(
        `      ${col.column}: before ${show(col.before)} · accident ${show(col.accident)} · now ${show(col.now)}`,
      );
    }
  }
  if (c.conflicts > shown && shown > 0)
    lines.push(`    … and ${n(c.conflicts - shown)} more (--json lists them)`);
  return lines;
}

function show(value: string | null): string {
  if (value === null) return 'NULL';
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
