import type { Connection, RowStream } from '../engines/engine.js';
import { type BackoutConflict, type BackoutCounts, backOut, fieldsOf, keyId } from './backout.js';
import { RowbackError } from './errors.js';
import type { Source } from './source.js';
import { formatTable, imageColumns, type TableSchema } from './table.js';

/** What the preview says of a backout besides the plan: the range, what it found, the conflicts. */
export interface BackoutSummary {
  /** `--backout` as given. */
  range: string;
  transactions: number;
  counts: BackoutCounts;
  /** `--conflicts`: what was done with them. */
  conflictPolicy: 'keep-current' | 'take-source';
  /** The first conflicts (all of them are counted in `counts.conflicts`). */
  conflicts: BackoutConflict[];
}

export interface BackoutPrepared {
  /** The rows as they should be, for the keys that need writing: a `keys` source for the usual flow. */
  source: Source;
  summary: BackoutSummary;
  /** Columns an update writes (the plan compares and writes only these); undefined: none. */
  columns: string[] | undefined;
  /** The target's rows the decisions were made from: the apply writes only rows still as they were. */
  read: ReadRows;
}

/** Rows read from the target, as lines of `columns`. */
export interface ReadRows {
  columns: string[];
  rows: () => RowStream;
}

export interface BackoutRequest {
  range: string;
  conflicts: 'keep-current' | 'take-source';
  /** `--columns`: only these are backed out. */
  only?: string[];
  /** Conflicts listed in full. */
  listed?: number;
}

/**
 * Turns a source with history into the rows a backout writes: asks it for the accident's images, reads the
 * current rows of those keys alone from the target (staged as keys, the target's rows of them read), and
 * decides three-way (see backOut). The result is a `keys` source the plan, apply, verify and undo take as
 * they take any: rows to update or insert again, keys to delete.
 */
export async function prepareBackout(
  history: Source,
  target: Connection,
  schema: { target: TableSchema; source: TableSchema; key: string[]; columns: string[] },
  request: BackoutRequest,
): Promise<BackoutPrepared> {
  if (!target.engine.capabilities.unchangedSince) {
    throw new RowbackError('unsupported', `--backout cannot write to a ${target.engine.name} target.`, {
      hint: 'Backing out reads a MySQL/MariaDB binlog and writes to that server.',
    });
  }
  if (!history.backout) {
    throw new RowbackError(
      'usage',
      `--backout needs a source with history; ${history.label} holds one moment of the table.`,
      { hint: 'Back out from --from binlog (a MySQL/MariaDB binary log).' },
    );
  }
  const accident = await history.backout(schema.source);
  const { key } = schema;
  const now = await currentRows(target, schema.target, key, accident.columns, accident.rows);
  const outcome = backOut({
    accident,
    key,
    now,
    conflicts: request.conflicts,
    ...(request.only ? { only: request.only } : {}),
    ...(request.listed === undefined ? {} : { listed: request.listed }),
    show: display(schema.target),
  });
  const desired = outcome.rows;
  const source: Source = {
    label: `${history.label}, backing out ${request.range}`,
    engine: history.engine,
    coverage: 'keys',
    describe: async () => schema.source,
    warnings: history.warnings ?? [],
    size: async () => ({ rows: desired.length }),
    read: (_schema, read) => lines(desired, accident.columns, read.columns),
    absentKeys: () => lines(outcome.deleteKeys, key, key),
    cancel: () => history.cancel(),
    close: () => history.close(),
  };
  return {
    source,
    summary: {
      range: request.range,
      transactions: accident.transactions,
      counts: outcome.counts,
      conflictPolicy: request.conflicts,
      conflicts: outcome.conflicts,
    },
    columns: outcome.written.length > 0 ? outcome.written : undefined,
    read: {
      columns: accident.columns,
      rows: () => lines([...now.values()].map(joinFields), accident.columns, accident.columns),
    },
  };
}

/**
 * The target's rows of the accident's keys, by key: the keys are staged as the `absent` keys of an empty
 * source, so the plan's extra rows are exactly the target rows having them, read as the undo image reads.
 */
async function currentRows(
  target: Connection,
  table: TableSchema,
  key: string[],
  columns: string[],
  rows: { key: Buffer }[],
): Promise<Map<string, Buffer[]>> {
  const read = imageColumns(table).map((c) => c.name);
  const at = columns.map((c) => read.indexOf(c));
  const lacking = columns.filter((_, i) => at[i]! < 0);
  if (lacking.length > 0) {
    throw new RowbackError(
      'schema-mismatch',
      `The binlog's rows of ${formatTable(table.ref)} carry ${lacking.join(', ')}, which the target's table lacks.`,
      { hint: 'Back out against the server whose binlog it is, with the table as the binlog knows it.' },
    );
  }
  const keyAt = key.map((k) => columns.indexOf(k));
  const staged = await target.stage(table, lines([], [], []), { columns: key });
  const keys = await target.stage(
    table,
    lines(
      rows.map((r) => r.key),
      key,
      key,
    ),
    { columns: key },
  );
  const plan = await target.classify(staged, { absent: keys });
  const now = new Map<string, Buffer[]>();
  try {
    let rest = Buffer.alloc(0);
    const take = (line: Buffer) => {
      const fields = fieldsOf(line);
      const mine = at.map((i) => Buffer.from(fields[i]!));
      now.set(keyId(mine, keyAt), mine);
    };
    for await (const chunk of target.image(plan, ['extra'])) {
      const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        take(data.subarray(start, nl));
        start = nl + 1;
      }
      rest = Buffer.from(data.subarray(start));
    }
  } finally {
    await target.dropPlan(plan);
    await target.dropStaged(staged);
    await target.dropStaged(keys);
  }
  return now;
}

/** Lines of `from` columns as a row stream of `to` columns (a subset, in any order). */
async function* lines(rows: Buffer[], from: string[], to: string[]): RowStream {
  const picks = to.map((c) => from.indexOf(c));
  const same = picks.every((p, i) => p === i) && from.length === to.length;
  const out: Buffer[] = [];
  let size = 0;
  for (const row of rows) {
    if (same) out.push(row);
    else {
      const fields = fieldsOf(row);
      picks.forEach((p, i) => {
        if (i > 0) out.push(TAB);
        out.push(fields[p] ?? NULL);
      });
    }
    out.push(NEWLINE);
    size += row.length + 1;
    if (size > 1 << 20) {
      yield Buffer.concat(out.splice(0));
      size = 0;
    }
  }
  if (out.length) yield Buffer.concat(out);
}

const TAB = Buffer.from('\t');

function joinFields(fields: Buffer[]): Buffer {
  return Buffer.concat(fields.flatMap((f, i) => (i > 0 ? [TAB, f] : [f])));
}
const NEWLINE = Buffer.from('\n');
const NULL = Buffer.from('\\N');

/** A field as the preview shows it: NULL as null, escapes undone, binary columns as `\x…` hex. */
function display(table: TableSchema): (column: string, field: Buffer) => string | null {
  const binary = new Set(table.columns.filter((c) => /binary|blob|^bit\b/i.test(c.type)).map((c) => c.name));
  return (column, field) => {
    if (field.length === 2 && field[0] === 0x5c && field[1] === 0x4e) return null;
    const bytes = unescapeField(field);
    return binary.has(column) ? `\\x${bytes.toString('hex')}` : bytes.toString('utf8');
  };
}

const ESCAPES: Record<number, number> = {
  92: 0x5c,
  116: 0x09,
  110: 0x0a,
  114: 0x0d,
  98: 0x08,
  102: 0x0c,
  118: 0x0b,
};

function unescapeField(field: Buffer): Buffer {
  if (!field.includes(0x5c)) return field;
  const out = Buffer.alloc(field.length);
  let n = 0;
  for (let i = 0; i < field.length; i++) {
    const b = field[i]!;
    if (b === 0x5c && i + 1 < field.length && ESCAPES[field[i + 1]!] !== undefined) {
      out[n++] = ESCAPES[field[++i]!]!;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}
