import type { Connection, Counter, Differing, Plan } from '../engines/engine.js';
import { countText } from './count-text.js';
import type { PlanCounts, Policy } from './plan.js';
import type { Prepared } from './prepare.js';
import { formatTable } from './table.js';

/*
 * What a plan cannot show by itself: keys handed out again since the source's moment (a counter reset
 * by TRUNCATE … RESTART IDENTITY, then reused by the app), which turn other rows into "changed" ones,
 * and a source newer than its target (--from and --to swapped). Both are said before anyone is asked.
 */

const SAMPLE = 5;

/**
 * Column names that say when a row came to be (`created_at`, `createdOn`, `date_added`, `inserted_at`):
 * an edit never changes them, so a changed row differing in one is another row.
 */
const CREATED =
  /^(created|creation|inserted|registered|signed_?up)_?(at|on|date|time|ts|timestamp|dt|utc)?$|^(date|time|ts)_?(created|added|inserted|registered)$/i;

/**
 * What is known of the source beyond the staged rows: the ordered merge stages only the rows whose text
 * differs, so the largest key of the source, which it saw go by, is handed over (by key column), with
 * the counters as they stood before it wrote.
 */
export interface KnownSource {
  largest?: Record<string, string>;
  /** The target's counters as they stood before the merge wrote the missing rows (read under the lock). */
  counters?: Counter[];
}

/** A key counter of the target standing behind the past: its own value and what it stands behind. */
interface Behind {
  counter: Counter;
  /** The largest value of its column among the source's rows, when the counter is below it. */
  largest?: string;
  /** The source's own counter, when ahead of the target's. */
  sourceValue?: string;
}

/** Changed rows that differ like another row would: how many, why, and a few keys. */
interface Lookalikes {
  found: Differing;
  why: string[];
}

const INTEGER = /^-?\d+$/;

function below(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && INTEGER.test(a) && INTEGER.test(b) && BigInt(a) < BigInt(b);
}

/**
 * A counter of a key column that stands below the source's largest key, or behind the source's own
 * counter. A counter already behind the target's own rows (explicit keys past it) says nothing.
 */
async function counterBehind(
  p: Prepared,
  target: Connection,
  plan: Plan,
  known: KnownSource,
): Promise<Behind | undefined> {
  if (!p.target.sequences.some((s) => p.key.includes(s.column))) return undefined;
  const mine =
    known.counters ?? (await target.counters(p.target, { staged: plan.staged }).catch(() => [] as Counter[]));
  const theirs = (await p.sessions.source.counters?.(p.source).catch(() => undefined)) ?? [];
  for (const counter of mine) {
    if (!p.key.includes(counter.column) || counter.next !== undefined) continue;
    // By column: a MySQL counter is named after its database, which the source may name otherwise.
    const source = theirs.find((c) => c.column === counter.column);
    const staged = known.largest?.[counter.column] ?? counter.staged;
    const largest = below(counter.value, staged) ? staged! : undefined;
    const sourceValue = below(counter.value, source?.value) ? source!.value! : undefined;
    if (largest || sourceValue) {
      return { counter, ...(largest ? { largest } : {}), ...(sourceValue ? { sourceValue } : {}) };
    }
  }
  return undefined;
}

/** Changed rows differing in most of their columns, or in a column that says when the row came to be. */
async function lookalikes(p: Prepared, target: Connection, plan: Plan): Promise<Lookalikes | undefined> {
  // Under --columns those columns differ by design (the accident): the rest tell one row from another.
  const repaired = p.restriction.columns ?? [];
  const others = p.columns.filter((c) => !p.key.includes(c) && !repaired.includes(c));
  const created = others.filter((c) => CREATED.test(c));
  const tests = [
    ...(others.length >= 3
      ? [{ columns: others, atLeast: Math.floor(others.length / 2) + 1, why: 'in most of their columns' }]
      : []),
    ...(created.length ? [{ columns: created, atLeast: 1, why: `in ${created.join(', ')}` }] : []),
  ];
  let best: Differing | undefined;
  const why: string[] = [];
  for (const test of tests) {
    const found = await target.differing(plan, test, SAMPLE);
    if (found.rows === 0) continue;
    why.push(`${countText(found.rows)} differ ${test.why}`);
    if (!best || found.rows > best.rows) best = found;
  }
  return best ? { found: best, why } : undefined;
}

/** "the counter public.t_id_seq stands at 4, below the largest id of the source (10) and …". */
function counterFact(b: Behind): string {
  const parts = [
    ...(b.largest ? [`below the largest ${b.counter.column} of the source (${b.largest})`] : []),
    ...(b.sourceValue ? [`behind the source's own counter (${b.sourceValue})`] : []),
  ];
  return `the counter ${b.counter.name} stands at ${b.counter.value}, ${parts.join(' and ')}`;
}

function keys(found: Differing, total: number): string {
  const more = total - found.sample.length;
  return `${found.sample.join(', ')}${more > 0 ? ` (and ${countText(more)} more)` : ''}`;
}

/**
 * Warnings for the preview (and `--json`): keys reused since the source's moment, naming a few of the
 * changed rows they touch, and, with `--extra delete`, a source that looks newer than its target.
 */
export async function planSuspicions(
  p: Prepared,
  target: Connection,
  plan: Plan,
  counts: PlanCounts,
  policy: Policy,
  known: KnownSource = {},
): Promise<string[]> {
  const table = formatTable(p.target.ref);
  const behind = await counterBehind(p, target, plan, known);
  const warnings: string[] = [];
  if (behind && policy.extra === 'delete' && counts.extra > 0) {
    warnings.push(
      `CAUTION: the source looks newer than the target ${table}: ${counterFact(behind)}. --extra delete deletes the ${countText(counts.extra)} target row(s) the source lacks; if --from and --to are the wrong way round, those are rows written since, not rows to rewind. Make sure --from is the copy from before the accident (if not, answer no and swap them).`,
    );
  }
  if (counts.changed === 0) return warnings;
  const alike = await lookalikes(p, target, plan);
  if (!behind && !alike) return warnings;
  const changed = alike?.found ?? (await target.differing(plan, { columns: [], atLeast: 0 }, SAMPLE));
  const facts = [
    ...(behind ? [counterFact(behind)] : []),
    ...(alike ? [`of the ${countText(counts.changed)} changed row(s), ${alike.why.join(' and ')}`] : []),
  ];
  const outcome =
    policy.changed === 'take-source'
      ? 'With --changed take-source the rows now under those keys are overwritten by the source’s.'
      : 'With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored.';
  warnings.push(
    `Keys of ${table} may have been reused since the source's moment (a counter reset, e.g. TRUNCATE … RESTART IDENTITY): ${facts.join('; ')}. Changed rows that may be other rows: keys ${keys(changed, alike?.found.rows ?? counts.changed)}. ${outcome} If they are other rows, answer no, compare them (rowback diff --samples 20), and put the source's rows back under new keys by hand.`,
  );
  return warnings;
}
