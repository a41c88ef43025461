import type { MergeKey, RowStream } from '../engines/engine.js';
import { RowbackError } from './errors.js';
import type { PlanCounts, RowClass, SampleRow } from './plan.js';
import { RowCursor } from './row-cursor.js';
import { decodeRow } from './rows.js';
import { formatTable } from './table.js';

/** Two key-ordered streams of one table and how to read them (see ReadOptions.merge). */
export interface MergeInput {
  /** Source rows: the columns, the match fields, then the scope field when `scoped` (every row then). */
  source: RowStream;
  /** Every target row: the columns, the match fields, then the scope field when `scoped`. */
  target: RowStream;
  columns: string[];
  merge: MergeKey;
  /** Both sides' rows carry a last field saying whether they pass the user filter (ReadOptions.scope). */
  scoped: boolean;
  /** Example rows kept per class. */
  samples: number;
  /** Called now and then with the number of source rows compared so far. */
  onRows?: (rows: number) => void;
}

export interface MergeResult {
  plan: PlanCounts;
  samples: SampleRow[];
}

/** One row as the merge sees it: the columns' bytes as sent (compared whole), the key's match fields. */
export interface Row {
  values: Buffer;
  key: Buffer[];
  inScope: boolean;
}

/**
 * Classifies two key-ordered streams by walking them side by side, holding one row of each: a source key
 * the target lacks is missing, a target key the source lacks is extra (when it passes the filter), a key
 * on both is same when the columns' text is byte for byte equal, else changed. Under a filter a source
 * row that fails it is out of the plan, but its key still keeps a target row that passes it from extra. Memory stays constant
 * whatever the table size. A stream out of order, a key that repeats or a NULL in a key stops the merge
 * with an error rather than give a wrong plan.
 */
export async function mergePlan(input: MergeInput): Promise<MergeResult> {
  const merge = new Merge(input);
  const source = new Side('source', new RowCursor(input.source), input, input.scoped);
  const target = new Side('target', new RowCursor(input.target), input, input.scoped);
  try {
    let s = source.next() ?? (await source.nextAsync());
    let t = target.next() ?? (await target.nextAsync());
    while (s || t) {
      const order = !s ? 1 : !t ? -1 : compareKeys(s.key, t.key, input.merge);
      if (order < 0) {
        if (s!.inScope) merge.add('missing', s, undefined);
        s = source.next() ?? (await source.nextAsync());
      } else if (order > 0) {
        if (t!.inScope) merge.add('extra', undefined, t);
        t = target.next() ?? (await target.nextAsync());
      } else {
        // A key the source holds outside the filter is never extra (see PlanCounts.outside).
        if (s!.inScope) merge.add(s!.values.equals(t!.values) ? 'same' : 'changed', s, t);
        else if (t!.inScope) merge.addOutside(t!);
        s = source.next() ?? (await source.nextAsync());
        t = target.next() ?? (await target.nextAsync());
      }
    }
    input.onRows?.(source.rows);
    return { plan: merge.plan, samples: merge.examples() };
  } finally {
    await Promise.allSettled([source.close(), target.close()]);
  }
}

/** Counts and examples, as the merge finds them. */
export class Merge {
  readonly plan: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  private readonly kept: Record<RowClass, SampleRow[]> = { missing: [], changed: [], extra: [], same: [] };
  private readonly outside: SampleRow[] = [];
  private readonly binary: Set<string>;
  private readonly keyIndexes: number[];

  constructor(private readonly input: MergeInput) {
    this.binary = new Set(input.merge.binary);
    this.keyIndexes = keyColumns(input).map((k) => input.columns.indexOf(k));
  }

  add(rowClass: RowClass, s: Row | undefined, t: Row | undefined): void {
    this.plan[rowClass]++;
    const kept = this.kept[rowClass];
    if (rowClass === 'same' || kept.length >= this.input.samples) return;
    kept.push(this.sample(rowClass, s, t));
  }

  addOutside(t: Row): void {
    this.plan.outside = (this.plan.outside ?? 0) + 1;
    if (this.outside.length < this.input.samples)
      this.outside.push({ ...this.sample('extra', undefined, t), outside: true });
  }

  examples(): SampleRow[] {
    return [...this.kept.missing, ...this.kept.changed, ...this.kept.extra, ...this.outside];
  }

  private sample(rowClass: RowClass, s: Row | undefined, t: Row | undefined): SampleRow {
    const source = s ? decodeRow(s.values) : undefined;
    const target = t ? decodeRow(t.values) : undefined;
    const either = (source ?? target)!;
    const { columns } = this.input;
    const sample: SampleRow = {
      class: rowClass,
      key: Object.fromEntries(this.keyIndexes.map((i) => [columns[i]!, this.show(columns[i]!, either[i])])),
    };
    if (source) sample.source = this.record(source);
    if (target) sample.target = this.record(target);
    if (source && target) {
      sample.changedColumns = columns.filter((_c, i) => !sameValue(source[i], target[i]));
    }
    return sample;
  }

  private record(values: (Buffer | null)[]): Record<string, string | null> {
    return Object.fromEntries(this.input.columns.map((c, i) => [c, this.show(c, values[i])]));
  }

  private show(column: string, value: Buffer | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    return this.binary.has(column) ? `\\x${value.toString('hex')}` : value.toString('utf8');
  }
}

/** One stream of the merge: parses its rows and checks that they come in strictly ascending key order. */
export class Side {
  rows = 0;
  private previous: Row | undefined;
  private readonly width: number;

  constructor(
    private readonly name: 'source' | 'target',
    private readonly cursor: RowCursor,
    private readonly input: MergeInput,
    private readonly scoped: boolean,
  ) {
    this.width = input.merge.order.length;
  }

  next(): Row | undefined {
    const line = this.cursor.next();
    return line === undefined ? undefined : this.accept(line);
  }

  async nextAsync(): Promise<Row | undefined> {
    const line = await this.cursor.nextAsync();
    return line === undefined ? undefined : this.accept(line);
  }

  close(): Promise<void> {
    return this.cursor.close();
  }

  private accept(line: Buffer): Row {
    const row = this.parse(line);
    const previous = this.previous;
    if (previous) {
      const order = compareKeys(previous.key, row.key, this.input.merge);
      if (order === 0) throw repeatedKey(this.input, this.name, row);
      if (order > 0) throw outOfOrder(this.input, this.name);
    }
    this.previous = row;
    if (this.name === 'source' && ++this.rows % 50_000 === 0) this.input.onRows?.(this.rows);
    return row;
  }

  /** Splits the trailing fields off from the end: tabs inside values are escaped, so each 0x09 ends one. */
  private parse(line: Buffer): Row {
    let end = line.length;
    let inScope = true;
    if (this.scoped) {
      const tab = line.lastIndexOf(0x09, end - 1);
      inScope = line[tab + 1] === 0x74; // 't'
      end = tab;
    }
    const key: Buffer[] = new Array(this.width);
    for (let i = this.width - 1; i >= 0; i--) {
      const tab = line.lastIndexOf(0x09, end - 1);
      const field = unescapeField(line.subarray(tab + 1, end));
      if (field === null) throw nullKey(this.input, this.name, i);
      key[i] = field;
      end = tab;
    }
    return { values: line.subarray(0, end), key, inScope };
  }
}

/** Compares two keys' match fields, column by column, as `MergeKey.order` says. */
export function compareKeys(a: Buffer[], b: Buffer[], merge: MergeKey): number {
  for (let i = 0; i < a.length; i++) {
    const order = merge.order[i] === 'integer' ? compareIntegers(a[i]!, b[i]!) : Buffer.compare(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return 0;
}

/** Compares two decimal integers as the server prints them (optional '-', no leading zeros). */
export function compareIntegers(a: Buffer, b: Buffer): number {
  const negative = a[0] === 0x2d;
  if (negative !== (b[0] === 0x2d)) return negative ? -1 : 1;
  const magnitude = a.length !== b.length ? (a.length < b.length ? -1 : 1) : Buffer.compare(a, b);
  return negative ? -magnitude : magnitude;
}

function unescapeField(raw: Buffer): Buffer | null {
  if (raw.length === 2 && raw[0] === 0x5c && raw[1] === 0x4e) return null;
  return raw.includes(0x5c) ? (decodeRow(raw)[0] ?? null) : raw;
}

function sameValue(a: Buffer | null | undefined, b: Buffer | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.equals(b);
}

function keyColumns(input: MergeInput): string[] {
  return input.merge.target.key?.columns ?? [];
}

function keyText(input: MergeInput, row: Row): string {
  const values = decodeRow(row.values);
  const shown = keyColumns(input).map((k) => {
    const v = values[input.columns.indexOf(k)];
    return v === null || v === undefined ? 'NULL' : v.toString('utf8');
  });
  return shown.length === 1 ? shown[0]! : `(${shown.join(', ')})`;
}

function keyName(input: MergeInput): string {
  const key = input.merge.target.key;
  return key?.origin === 'user'
    ? `--key ${key.columns.join(',')}`
    : `The key (${keyColumns(input).join(', ')})`;
}

function keyHint(input: MergeInput): string {
  return input.merge.target.key?.origin === 'user'
    ? 'Name columns that are NOT NULL and unique on both sides (a unique index on the target guarantees it).'
    : "The key must be unique on both sides under the target's equality: give --key columns that are.";
}

function repeatedKey(input: MergeInput, side: 'source' | 'target', row: Row): RowbackError {
  return new RowbackError(
    'no-key',
    `${keyName(input)} does not identify the rows of ${formatTable(input.merge.target.ref)}: the key ${keyText(input, row)} occurs more than once in the ${side}.`,
    { hint: keyHint(input) },
  );
}

function nullKey(input: MergeInput, side: 'source' | 'target', index: number): RowbackError {
  return new RowbackError(
    'no-key',
    `${keyName(input)} does not identify the rows of ${formatTable(input.merge.target.ref)}: a ${side} row has a NULL in ${keyColumns(input)[index]}.`,
    { hint: keyHint(input) },
  );
}

function outOfOrder(input: MergeInput, side: 'source' | 'target'): RowbackError {
  return new RowbackError(
    'internal',
    `The ${side} rows of ${formatTable(input.merge.target.ref)} did not come in key order, so they cannot be compared by merging; nothing was concluded.`,
    { hint: 'Run the diff with --path staged, and report this as a bug.' },
  );
}
