import type { UndoBundle } from '../../core/images.js';
import type { MissingParent, PlanCounts, Policy, RowClass, SampleRow } from '../../core/plan.js';
import type { TableRef, TableSchema } from '../../core/table.js';
import type { MergeKey, ReadOptions, RowStream, SessionProfile, Staged, StageOptions } from '../engine.js';
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
import { killQuery, type Session } from './connect.js';
import { describeTable, listTables } from './describe.js';
import { applyDirect, type DirectOptions } from './direct.js';
import { mergeKeyOf, stagingBlocked } from './merge.js';
import { checkReferencedExtra, findMissingParents } from './parents.js';
import { buildPlan, classify } from './plan.js';
import { checkWhere, countRows, isEmptyTable, readTable } from './read.js';
import { sampleRows } from './samples.js';
import { writeScript } from './script.js';
import { asMysqlStaged, dropStaged, stageRows } from './stage.js';
import { undoRestore } from './undo.js';

/** One pinned MySQL/MariaDB session (see Connection in engine.ts). */
export class MysqlConnection implements Connection {
  readonly engine: Engine;
  readonly redactedUrl: string;
  private closed = false;
  /** The `where` the latest plan table was built with. */
  private readonly planWhere = new WeakMap<Staged, string | undefined>();

  constructor(
    engine: Engine,
    private readonly session: Session,
    private readonly ownProfile: SessionProfile,
  ) {
    this.engine = engine;
    this.redactedUrl = session.redactedUrl;
  }

  async profile(): Promise<SessionProfile> {
    return { ...this.ownProfile };
  }

  async serverVersion(): Promise<string> {
    return (await this.session.scalar('SELECT VERSION()')) ?? '';
  }

  listTables(): Promise<Required<TableRef>[]> {
    return this.guard('listing tables', () => listTables(this.session));
  }

  describe(table: TableRef, options?: { key?: string[] }): Promise<TableSchema> {
    return this.guard(`describing ${table.name}`, () => describeTable(this.session, table, options));
  }

  checkWhere(table: TableSchema, where: string): Promise<void> {
    return checkWhere(this.session, table, where);
  }

  count(table: TableSchema, where?: string): Promise<number> {
    return this.guard(`counting ${table.ref.name}`, () => countRows(this.session, table, where));
  }

  isEmpty(table: TableSchema): Promise<boolean> {
    return this.guard(`looking for rows in ${table.ref.name}`, () => isEmptyTable(this.session, table));
  }

  read(table: TableSchema, options: ReadOptions): RowStream {
    return readTable(this.session, table, options);
  }

  stagingBlocked(): Promise<string | undefined> {
    return stagingBlocked(this.session);
  }

  mergeKey(target: TableSchema): Promise<MergeKey> {
    return this.guard(`reading the key collations of ${target.ref.name}`, () =>
      mergeKeyOf(this.session, target),
    );
  }

  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged> {
    return this.guard(`staging rows for ${target.ref.name}`, () =>
      stageRows(this.session, target, rows, options),
    );
  }

  plan(staged: Staged, options: PlanOptions = {}): Promise<PlanCounts> {
    const own = asMysqlStaged(staged);
    this.planWhere.set(staged, options.where);
    return this.guard('classifying rows', () => classify(this.session, own, options.where));
  }

  samples(
    staged: Staged,
    rowClass: RowClass,
    limit: number,
    options: PlanOptions = {},
  ): Promise<SampleRow[]> {
    const own = asMysqlStaged(staged);
    return this.guard('reading sample rows', async () => {
      await this.ensurePlan(own, options.where);
      return sampleRows(this.session, own, rowClass, limit, options.where);
    });
  }

  missingParents(staged: Staged, policy: Policy): Promise<MissingParent[]> {
    const own = asMysqlStaged(staged);
    return this.guard('checking parent rows', async () => {
      await this.ensurePlan(own, this.planWhere.get(staged));
      await checkReferencedExtra(this.session, own, policy);
      return findMissingParents(this.session, own, policy);
    });
  }

  apply(staged: Staged, options: ApplyOptions): Promise<ApplyResult> {
    this.planWhere.set(staged, options.where);
    return applyPlan(this.session, asMysqlStaged(staged), options);
  }

  applyDirect(
    target: TableSchema,
    rows: RowStream,
    options: DirectOptions,
  ): Promise<ApplyResult | undefined> {
    return applyDirect(this.session, target, rows, options);
  }

  script(staged: Staged, options: ScriptOptions): Promise<void> {
    this.planWhere.set(staged, options.where);
    return this.guard('writing the SQL script', () =>
      writeScript(this.session, asMysqlStaged(staged), options),
    );
  }

  undo(target: TableSchema, bundle: UndoBundle, options: { dryRun?: boolean }): Promise<UndoResult> {
    return undoRestore(this.session, target, bundle, options);
  }

  dropStaged(staged: Staged): Promise<void> {
    return dropStaged(this.session, asMysqlStaged(staged));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }

  /** KILL QUERY from a second session; the statement fails, and the caller rolls the transaction back. */
  async cancel(): Promise<void> {
    this.session.cancelled = true;
    if (this.closed) return;
    await killQuery(this.session).catch(() => this.session.raw.destroy());
  }

  private async ensurePlan(
    staged: ReturnType<typeof asMysqlStaged>,
    where: string | undefined,
  ): Promise<void> {
    if (!staged.plan || this.planWhere.get(staged) !== where) {
      this.planWhere.set(staged, where);
      await buildPlan(this.session, staged, where);
    }
  }

  private async guard<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.session.wrap(error, `while ${doing}`);
    }
  }
}
