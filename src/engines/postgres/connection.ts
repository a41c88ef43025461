import { RowbackError } from '../../core/errors.js';
import type { UndoBundle } from '../../core/images.js';
import type { MissingParent, PlanCounts, Policy, RowClass, SampleRow } from '../../core/plan.js';
import type { TableRef, TableSchema } from '../../core/table.js';
import { checkWhereShape } from '../../core/where.js';
import type { ReadOptions, RowStream, SessionProfile, Staged, StageOptions } from '../engine.js';
import type {
  ApplyOptions,
  ApplyResult,
  LegacyConnection as Connection,
  LegacyEngine as Engine,
  PlanOptions,
  ScriptOptions,
  UndoResult,
} from '../legacy.js';
import { applyPlan } from './apply.js';
import { cancelBackend, type PgSession } from './connect.js';
import { describeTable, listTables } from './describe.js';
import { applyDirect, type DirectOptions } from './direct.js';
import { mapError } from './errors.js';
import { checkReferencedExtra, findMissingParents } from './parents.js';
import { dropCachedPlan, lastPlan, planStaged } from './plan.js';
import { readRows } from './read.js';
import { sampleRows } from './samples.js';
import { writeScript } from './script.js';
import { filter, qualified } from './sql.js';
import { dropStagedTable, stageRows } from './stage.js';
import { undoRestore } from './undo.js';
import { checkFixedColumns } from './writes.js';

/** A PostgreSQL session; each method delegates to the file that does that one job. */
export class PgConnection implements Connection {
  readonly redactedUrl: string;

  constructor(
    readonly engine: Engine,
    private readonly session: PgSession,
  ) {
    this.redactedUrl = session.redactedUrl;
  }

  private get client() {
    return this.session.client;
  }

  /** PostgreSQL pins fixed settings on every session, so there is nothing to carry from the target. */
  async profile(): Promise<SessionProfile> {
    return {};
  }

  async serverVersion(): Promise<string> {
    try {
      return (await this.client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    } catch (error) {
      throw mapError(error, `reading the server version of ${this.redactedUrl}`);
    }
  }

  async listTables(): Promise<Required<TableRef>[]> {
    try {
      return await listTables(this.client);
    } catch (error) {
      throw mapError(error, `listing the tables of ${this.redactedUrl}`);
    }
  }

  async describe(table: TableRef, options: { key?: string[] } = {}): Promise<TableSchema> {
    try {
      return await describeTable(this.client, table, { ...options, location: this.redactedUrl });
    } catch (error) {
      throw mapError(error, `describing ${table.schema ? `${table.schema}.` : ''}${table.name}`);
    }
  }

  async checkWhere(table: TableSchema, where: string): Promise<void> {
    const text = checkWhereShape(where);
    try {
      // EXPLAIN parses and type-checks the filter without running it.
      await this.client.query(`EXPLAIN SELECT 1 FROM ${qualified(table.ref)} WHERE ${filter(text)}`);
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      throw new RowbackError(
        'bad-where',
        `--where "${where}" does not work on ${table.ref.schema}.${table.ref.name}: ${message}.`,
        {
          hint: "Give one boolean SQL expression over the table's columns.",
          cause: error,
        },
      );
    }
  }

  async count(table: TableSchema, where?: string): Promise<number> {
    try {
      const result = await this.client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${qualified(table.ref)} WHERE ${filter(where)}`,
      );
      return Number(result.rows[0]!.n);
    } catch (error) {
      throw mapError(error, `counting rows of ${table.ref.schema}.${table.ref.name}`);
    }
  }

  async isEmpty(table: TableSchema): Promise<boolean> {
    try {
      // Not ONLY: a partitioned parent holds no rows itself, its partitions do.
      // every value arrives as the server's text: a boolean is 't' or 'f'
      const result = await this.client.query<{ found: string }>(
        `SELECT EXISTS (SELECT 1 FROM ${qualified(table.ref)}) AS found`,
      );
      return result.rows[0]!.found === 'f';
    } catch (error) {
      throw mapError(error, `looking for rows in ${table.ref.schema}.${table.ref.name}`);
    }
  }

  read(table: TableSchema, options: ReadOptions): RowStream {
    return readRows(this.session, table, options);
  }

  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged> {
    return stageRows(this.session, target, rows, options);
  }

  plan(staged: Staged, options: PlanOptions = {}): Promise<PlanCounts> {
    return planStaged(this.session, staged, options.where);
  }

  samples(
    staged: Staged,
    rowClass: RowClass,
    limit: number,
    options: PlanOptions = {},
  ): Promise<SampleRow[]> {
    return sampleRows(this.session, staged, rowClass, limit, options);
  }

  async missingParents(staged: Staged, policy: Policy): Promise<MissingParent[]> {
    try {
      const plan = await lastPlan(this.session, staged);
      await checkReferencedExtra(this.session, staged, plan, policy);
      await checkFixedColumns(this.client, staged, plan, policy);
      return await findMissingParents(this.session, staged, plan, policy);
    } catch (error) {
      throw mapError(
        error,
        `checking the parents of rows to restore into ${staged.target.ref.schema}.${staged.target.ref.name}`,
      );
    }
  }

  apply(staged: Staged, options: ApplyOptions): Promise<ApplyResult> {
    return applyPlan(this.session, staged, options);
  }

  applyDirect(
    target: TableSchema,
    rows: RowStream,
    options: DirectOptions,
  ): Promise<ApplyResult | undefined> {
    return applyDirect(this.session, target, rows, options);
  }

  script(staged: Staged, options: ScriptOptions): Promise<void> {
    return writeScript(this.session, staged, options);
  }

  undo(target: TableSchema, bundle: UndoBundle, options: { dryRun?: boolean }): Promise<UndoResult> {
    return undoRestore(this.session, target, bundle, options);
  }

  async dropStaged(staged: Staged): Promise<void> {
    try {
      await dropCachedPlan(this.session, staged);
      await dropStagedTable(this.session, staged);
    } catch (error) {
      throw mapError(error, 'dropping a staged table');
    }
  }

  async close(): Promise<void> {
    if (this.session.closed) return;
    this.session.closed = true;
    await this.client.end().catch(() => {});
  }

  /**
   * Asks the server to cancel this session's statement; the open transaction then rolls back. The
   * connection refuses further work afterwards (every later step reports 'interrupted'): close it.
   */
  async cancel(): Promise<void> {
    if (this.session.closed) return;
    this.session.cancelled = true;
    await cancelBackend(this.session);
  }
}
