import { countText } from '../core/count-text.js';
import type { CounterMove } from '../core/counters.js';
import type { DiffReport, Preview, RestoreReport, UndoPreview, UndoReport } from '../core/options.js';
import type { SampleRow } from '../core/plan.js';
import { formatTimings } from '../core/timings.js';
import { renderBackout } from './backout.js';

const n = countText;

/** The plan as a person reads it: counts per class, what the policy does with each, examples. */
export function renderPreview(p: Preview): string {
  const lines = [
    `Table ${p.table}  (key: ${p.key.join(', ')})`,
    `  source: ${p.source}`,
    `  target: ${p.target}`,
    '',
    `  missing  ${n(p.plan.missing).padStart(12)}  in the source, gone from the target  → insert`,
    `  changed  ${n(p.plan.changed).padStart(12)}  different values                    → ${p.policy.changed === 'take-source' ? 'take the source values' : 'keep current values'}`,
    `  extra    ${n(p.plan.extra).padStart(12)}  only in the target (written since)  → ${p.policy.extra === 'delete' ? 'delete' : 'keep'}`,
    `  same     ${n(p.plan.same).padStart(12)}  identical                           → nothing`,
    ...renderRestriction(p),
    ...(p.backout ? renderBackout(p.backout, 5) : []),
  ];
  if (p.samples.length) lines.push('', ...renderSamples(p.samples, p.values === 'literal'));
  for (const m of p.missingParents) {
    lines.push(
      '',
      `! ${n(m.rows)} row(s) reference ${m.parent} (${m.columns.join(', ')}) rows the target does not have (${m.foreignKey}); e.g. ${m.sample.join(', ')}`,
    );
  }
  for (const w of p.warnings) lines.push(`! ${w}`);
  return lines.join('\n');
}

/** `--columns` and what `--target-where` kept out of the plan, per class. */
function renderRestriction(p: Preview): string[] {
  const lines: string[] = [];
  if (p.restrictedTo) {
    lines.push(
      `  only columns ${p.restrictedTo.join(', ')} compared and written; every other column keeps its current value`,
    );
  }
  if (p.plan.outside) {
    lines.push(
      `  kept     ${n(p.plan.outside).padStart(12)}  row(s) match --where now but not in the source (their key is there) → kept`,
    );
  }
  const kept = p.plan.excluded;
  if (p.targetWhere === undefined || !kept) return lines;
  const condition = `--target-where (${p.targetWhere})`;
  if (!kept.changed && !kept.extra && !kept.missing) lines.push(`  ${condition} kept no row out`);
  if (kept.changed)
    lines.push(
      `  kept     ${n(kept.changed).padStart(12)}  changed rows that do not match ${condition} now → kept`,
    );
  if (kept.extra)
    lines.push(
      `  kept     ${n(kept.extra).padStart(12)}  extra rows that do not match ${condition} now → kept`,
    );
  if (kept.missing)
    lines.push(
      `  kept     ${n(kept.missing).padStart(12)}  missing rows: no current row for ${condition} to match → not inserted`,
    );
  return lines;
}

/** What the confirmation asks: where, and every write the policy makes, deletions first. */
export function confirmQuestion(p: Preview): string {
  const { inserted, updated, deleted } = p.intended;
  const writes = [
    deleted ? `DELETE ${n(deleted)} row(s) written since` : '',
    updated
      ? p.restrictedTo
        ? `set ${p.restrictedTo.join(', ')} on ${n(updated)} changed row(s)`
        : `overwrite ${n(updated)} changed row(s)`
      : '',
    inserted ? `insert ${n(inserted)} missing row(s)` : '',
  ].filter(Boolean);
  return `Apply to ${p.target}: ${writes.join(', ')} in ${p.table}?`;
}

function renderSamples(samples: SampleRow[], literal: boolean): string[] {
  const lines = ['Examples:'];
  for (const s of samples) {
    const key = Object.entries(s.key)
      .map(([k, v]) => `${k}=${literal ? showLiteral(v) : showKey(v)}`)
      .join(', ');
    if (s.outside) {
      lines.push(`  kept     ${key}  (matches --where now, not in the source: its key is there)`);
      continue;
    }
    lines.push(`  ${s.class.padEnd(7)}  ${key}${s.kept ? '  (kept: --target-where does not hold)' : ''}`);
    if (s.class === 'changed' && s.changedColumns) {
      // One line per column: a wide row on one line wraps into an unreadable block.
      for (const c of s.changedColumns) {
        const [now, then] = showPair(s.target?.[c] ?? null, s.source?.[c] ?? null, literal);
        lines.push(`             ${c}: ${now} → source ${then}`);
      }
    }
  }
  return lines;
}

/** Keys are short: shown bare when that cannot be misread (digits, plain words), else quoted. */
function showKey(value: string | null): string {
  if (value === null) return 'NULL';
  return /^[\w.:+-]+$/u.test(value) && value !== 'NULL' ? value : JSON.stringify(value);
}

const WIDTH = 40;
const CONTEXT = 12;

/**
 * Two values of one column, each cut to a readable width around where they first differ, so that two
 * long values sharing a prefix never look the same (`…text long te ` vs `…text long te`).
 */
export function showPair(a: string | null, b: string | null, literal = false): [string, string] {
  if (a === null || b === null) return [show(a, 0, literal), show(b, 0, literal)];
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  const from = common > WIDTH - CONTEXT ? common - CONTEXT : 0;
  return [show(a, from, literal), show(b, from, literal)];
}

function show(value: string | null, from: number, literal: boolean): string {
  if (value === null) return 'NULL';
  const end = from + WIDTH;
  const text = `${from > 0 ? '…' : ''}${value.slice(from, end)}${value.length > end ? '…' : ''}`;
  return literal ? showLiteral(text) : JSON.stringify(text);
}

/** A literal that already says its type ('text', x'…', 1.5): as it is, control characters escaped. */
function showLiteral(value: string | null): string {
  if (value === null) return 'NULL';
  return value.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

export function renderDiff(r: DiffReport): string {
  const writes = r.intended.inserted + r.intended.updated + r.intended.deleted;
  const how =
    r.path === 'merge'
      ? `Compared by reading both tables in key order and merging them in rowback; ${r.pathReason}.`
      : `Compared in a temporary table on the target; ${r.pathReason}.`;
  const flags = r.restrictedTo || r.targetWhere !== undefined ? 'these flags' : 'the default policy';
  const updates = r.intended.updated ? ` and update ${n(r.intended.updated)}` : '';
  const outcome = writes
    ? `A restore with ${flags} would insert ${n(r.intended.inserted)}${updates} row(s).`
    : `Nothing to restore with ${flags}.`;
  return `${renderPreview(r)}\n\n${how}\n${outcome}`;
}

/**
 * The outcome of a restore. `shown` holds the warnings the user has already read (with the preview), so
 * none is printed twice.
 */
export function renderRestore(
  r: RestoreReport,
  shown: ReadonlySet<string> = new Set(),
  options: { timings?: boolean } = {},
): string {
  const a = r.applied;
  const counts = `${n(a.inserted)} inserted, ${n(a.updated)} updated, ${n(a.deleted)} deleted`;
  const lines: string[] = [];
  switch (r.outcome) {
    case 'applied':
      lines.push(
        `Restored ${r.table}: ${counts} in one transaction (${(r.durationMs / 1000).toFixed(1)} s).`,
      );
      break;
    case 'dry-run':
      lines.push(`Dry run of ${r.table}: would have ${counts}; rolled back, nothing changed.`);
      break;
    case 'script':
      lines.push(
        `Wrote the plan as SQL to ${r.sqlOut}; nothing was applied. Review it, then run it with the database's client.`,
      );
      break;
    case 'nothing-to-do':
      lines.push(`Nothing to restore in ${r.table} with this policy; nothing was written.`);
      break;
  }
  if (r.verification) {
    const v = r.verification;
    lines.push(
      v.mismatched
        ? `Verified ${n(v.checked)} row(s): ${n(v.mismatched)} differ from the source after writing (see warnings).`
        : `Verified: ${n(v.checked)} row(s) re-read and equal to the plan.`,
    );
  }
  lines.push(...renderCounters(r.sequences));
  for (const w of r.warnings.filter((w) => !shown.has(w))) lines.push(`! ${w}`);
  if (r.outcome === 'applied') {
    if (r.undoFile) lines.push(`Undo file: ${r.undoFile}`);
    lines.push(`Restore id ${r.id}. To revert: rowback undo ${r.id} --to ${shellWord(r.target)}`);
  }
  if (options.timings && r.timings) lines.push(`Steps: ${formatTimings(r.timings)}.`);
  return lines.join('\n');
}

export function renderUndoPreview(p: UndoPreview): string {
  const a = p.restored;
  return [
    `Undo restore ${p.restoreId} on ${p.table} (${p.target}): delete the ${n(a.inserted)} row(s) it inserted, put back ${n(a.updated)} updated and ${n(a.deleted)} deleted row(s).`,
    ...p.warnings.map((w) => `! ${w}`),
  ].join('\n');
}

/** The outcome of an undo; `shown` as for renderRestore. */
export function renderUndo(r: UndoReport, shown: ReadonlySet<string> = new Set()): string {
  const a = r.applied;
  const what = `${n(a.deleted)} deleted, ${n(a.updated)} put back, ${n(a.inserted)} re-inserted`;
  const v = r.verification;
  const verified = v.mismatched
    ? `${n(v.mismatched)} of ${n(v.checked)} row(s) differ from the pre-image after writing (see warnings).`
    : `Verified ${n(v.checked)} row(s).`;
  const head =
    r.outcome === 'dry-run'
      ? `Dry run of undo ${r.restoreId}: would have ${what}; rolled back. ${verified}`
      : `Undid restore ${r.restoreId} on ${r.table}: ${what}. ${verified}`;
  return [
    head,
    ...renderCounters(r.sequences ?? []),
    ...r.warnings.filter((w) => !shown.has(w)).map((w) => `! ${w}`),
  ].join('\n');
}

/** Counters moved past restored keys, or on a dry run where they would have moved. */
function renderCounters(moves: CounterMove[]): string[] {
  return moves.map((m) => {
    const from = m.from === null ? '' : ` from ${m.from}`;
    return m.moved
      ? `Moved ${m.name}${from} to ${m.value}.`
      : `Would move ${m.name}${from} to ${m.value}; left where it was.`;
  });
}

/** A word a POSIX shell reads back as itself: as it is when plain, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/u.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
