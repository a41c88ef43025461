import { type BackoutSummary, prepareBackout, type ReadRows } from './backout-source.js';
import { matchColumns } from './columns.js';
import { resolveMark } from './marks.js';
import type { CommonOptions } from './options.js';
import { describeTable, requireKey } from './resolve.js';
import { checkColumns, checkTargetWhere, type Restriction, targetWhereShape } from './restrict.js';
import {
  cancelOnAbort,
  type Opener,
  openSessions,
  type Sessions,
  sourceContext,
  targetOptions,
  throwIfAborted,
} from './sessions.js';
import type { Coverage, SourceReadOptions, SourceSize } from './source.js';
import { formatTable, parseTableRef, type TableSchema } from './table.js';
import { checkWhereShape } from './where.js';

/** Everything known about one diff/restore once both sides are connected and described. */
export interface Prepared {
  sessions: Sessions;
  target: TableSchema;
  source: TableSchema;
  key: string[];
  columns: string[];
  where: string | undefined;
  /** `--columns` and `--target-where`, checked against both tables. */
  restriction: Restriction;
  /** `--backout`: the source is then the rows the backout writes, and this says what it found. */
  backout?: BackoutSummary;
  /** Target rows the writes were decided from (a backout's): only rows still as read are written. */
  readRows?: ReadRows;
  /** Rows carry the physical table they live in (PostgreSQL inheritance). */
  origin: boolean;
  /** How much of the table the source knows (see Coverage). */
  coverage: Coverage;
  /** The source reads only rows under `where` (it evaluates SQL); else only the target side filters. */
  sourceFilters: boolean;
  warnings: string[];
  sourceLabel: string;
  targetLabel: string;
  tableLabel: string;
  /** Bytes of the source read so far, every read together (a file source; live servers say nothing). */
  reads: { bytes: number };
  /** Somebody listens for progress (options.onProgress): only then is a live source counted for a total. */
  watched: boolean;
}

export async function prepare(given: CommonOptions, opener: Opener): Promise<Prepared> {
  const options = await resolveMark(given);
  const progress = options.onProgress ?? (() => {});
  const where = options.where === undefined ? undefined : checkWhereShape(options.where);
  const targetWhere = targetWhereShape(options.targetWhere);
  progress({ step: 'connect', message: 'connecting' });
  const sessions = await openSessions(
    opener,
    options.from,
    options.to,
    sourceContext(options),
    targetOptions(options),
  );
  try {
    progress({ step: 'describe', message: 'describing tables' });
    const target = await describeTable(sessions.target, options.table, 'target', options.key);
    const key = requireKey(target);
    // As the user wrote it: a MySQL source database may be named differently from the target's.
    const sourceRef = parseTableRef(options.fromTable ?? options.table);
    const source = await sessions.source.describe(sourceRef, key, target);
    const match = matchColumns(source, target, key, { generatedKeys: generatedKeys(sessions) });
    const { columns } = match;
    if (where !== undefined) {
      await sessions.target.checkWhere(target, where);
      await sessions.source.checkWhere?.(source, where);
    }
    const restriction: Restriction = {
      columns: checkColumns(options.columns, target, columns, key),
      targetWhere,
    };
    let backout: BackoutSummary | undefined;
    let readRows: ReadRows | undefined;
    if (options.backout !== undefined) {
      progress({ step: 'source', message: 'backing out' });
      const b = await prepareBackout(
        sessions.source,
        sessions.target,
        { target, source, key, columns },
        {
          range: options.backout,
          conflicts: options.conflicts ?? 'keep-current',
          ...(restriction.columns ? { only: restriction.columns } : {}),
        },
      );
      sessions.source = b.source;
      backout = b.summary;
      readRows = b.read;
      restriction.columns = b.columns ?? restriction.columns;
    }
    // A source that reads while it streams (a binlog) says what it found once read: read them late.
    const sourceWarnings = sessions.source.warnings ?? [];
    const coverage = sessions.source.coverage ?? 'table';
    const sourceFilters = sessions.source.checkWhere !== undefined;
    if (targetWhere !== undefined) await checkTargetWhere(sessions.target, target, targetWhere);
    const origin = target.partitioning === 'inheritance' && source.partitioning === 'inheritance';
    return {
      sessions,
      target,
      source,
      key,
      columns,
      where,
      restriction,
      ...(backout ? { backout } : {}),
      ...(readRows ? { readRows } : {}),
      origin,
      coverage,
      sourceFilters,
      get warnings() {
        return [...sourceWarnings, ...match.warnings];
      },
      sourceLabel: sessions.source.label,
      targetLabel: sessions.target.redactedUrl,
      tableLabel: formatTable(target.ref),
      reads: { bytes: 0 },
      watched: options.onProgress !== undefined,
    };
  } catch (error) {
    await sessions.close();
    throw error;
  }
}

/** Whether a key's generated columns can be carried (read, staged, matched), or why not. */
function generatedKeys(sessions: Sessions): true | string {
  if (!sessions.source.readsGenerated)
    return 'this source holds no values of generated columns (a dump leaves them out)';
  return true;
}

export function readOptions(p: Prepared, onBytes?: (bytes: number) => void): SourceReadOptions {
  const before = p.reads.bytes;
  return {
    columns: p.columns,
    origin: p.origin,
    ...(p.where === undefined || !p.sourceFilters ? {} : { where: p.where }),
    onBytes: (n) => {
      p.reads.bytes = before + n;
      onBytes?.(n);
    },
  };
}

/**
 * The same, reading the source whole: without every source key, a target row that matches `--where`
 * now but whose source row does not would look extra. Asked for when extra rows are deleted (and by
 * diff, which says what that would delete); `where` then applies to the staged rows on the target.
 */
export function readingWhole(p: Prepared): Prepared {
  return p.where === undefined || !p.sourceFilters ? p : { ...p, sourceFilters: false };
}

/** The source's size, or nothing when it cannot tell (progress then counts without a total). */
export async function sourceSize(p: Prepared): Promise<SourceSize> {
  const where = p.sourceFilters ? p.where : undefined;
  return p.sessions.source.size(p.source, where).catch(() => ({}));
}

/**
 * The source's size as a total for progress: nothing when nobody listens, since a live source is sized by
 * counting its rows (a scan of the whole table, 0.4 s at 10,000,000 rows) before the first row moves.
 */
export async function progressSize(p: Prepared): Promise<SourceSize> {
  return p.watched ? sourceSize(p) : {};
}

/**
 * Connects and describes both sides, runs `fn`, and closes both sessions whatever happens. An abort
 * cancels the running statements (the open transaction rolls back) and surfaces as 'interrupted'.
 */
export async function withPrepared<T>(
  options: CommonOptions,
  opener: Opener,
  fn: (p: Prepared) => Promise<T>,
): Promise<T> {
  throwIfAborted(options.signal);
  const p = await prepare(options, opener);
  const stopCancel = cancelOnAbort(options.signal, [p.sessions.target, p.sessions.source]);
  try {
    return await fn(p);
  } catch (error) {
    throwIfAborted(options.signal);
    throw error;
  } finally {
    stopCancel();
    await p.sessions.close();
  }
}
