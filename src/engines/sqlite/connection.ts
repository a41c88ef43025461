import type { MissingParent, PlanCounts, RowClass, SampleRow } from '../../core/plan.js';
import { missingParentError } from '../../core/refusals.js';
import { formatTable, type ListedTable, type TableRef, type TableSchema } from '../../core/table.js';
import type {
  BeginOptions,
  ClassifyOptions,
  Connection,
  Counter,
  Differing,
  Drift,
  Engine,
  Identity,
  KeyCheck,
  MergeKey,
  Plan,
  QueryResult,
  ReadOptions,
  Referencing,
  RowStream,
  SampleKind,
  ScriptSteps,
  SessionProfile,
  Staged,
  StageOptions,
  UnwritableColumn,
  VerifyResult,
} from '../engine.js';
import { closeSession, profileOf, type SqliteSession } from './connect.js';
import { counters, moveCounters } from './counters.js';
import { brokenForeignKeys } from './deferred.js';
import { describeTable, listTables } from './describe.js';
import { digests, drift, stageDigests } from './digest.js';
import { mapError } from './errors.js';
import { identity } from './identity.js';
import { begin, checkCancelled, commit, rollback } from './lock.js';
import { mergeKeyOf, stagingBlocked } from './merge.js';
import { missingParents, referencing, unwritable } from './parents.js';
import { asSqlitePlan, checkKey, classify, counts, dropPlan, unchanged } from './plan.js';
import { exec, query } from './query.js';
import { checkWhere, count, isEmpty, readRows } from './read.js';
import { differing, samples } from './samples.js';
import { scriptSteps } from './script.js';
import { dropStagedTable, stageRows } from './stage.js';
import { verify } from './verify.js';
import { copyIn, deleteExtra, image, insertMissing, updateChanged } from './write.js';

const name = (t: TableSchema) => `${t.ref.schema}.${t.ref.name}`;

/** A session on one SQLite database file; each method delegates to the file that does that one step. */
export class SqliteConnection implements Connection {
  readonly redactedUrl: string;
  readonly script: ScriptSteps;

  constructor(
    readonly engine: Engine,
    private readonly session: SqliteSession,
  ) {
    this.redactedUrl = session.redactedUrl;
    this.script = scriptSteps(session);
  }

  /**
   * Runs one step, wrapping a driver error with what the step was doing. better-sqlite3 is synchronous:
   * a step runs to its end, and a cancel() takes effect between steps.
   */
  private async step<T>(doing: string, fn: () => T | Promise<T>, sourceRows = false): Promise<T> {
    try {
      checkCancelled(this.session);
      return await fn();
    } catch (error) {
      const { cancelled: interrupted, inTransaction: rolledBack } = this.session;
      throw mapError(error, doing, { interrupted, rolledBack, sourceRows });
    }
  }

  /** The encoding a source must share, and the target's file (a source may not be the target itself). */
  async profile(): Promise<SessionProfile> {
    return profileOf(this.session);
  }

  async serverVersion(): Promise<string> {
    return `SQLite ${String(this.session.db.prepare('SELECT sqlite_version()').pluck().get())}`;
  }

  identity(table: TableSchema): Promise<Identity> {
    return this.step(`reading the identity of ${name(table)}`, () => identity(this.session, table));
  }

  async query(sql: string): Promise<QueryResult> {
    return query(this.session, sql);
  }

  async exec(sql: string): Promise<void> {
    exec(this.session, sql);
  }

  listTables(): Promise<ListedTable[]> {
    return this.step(`listing the tables of ${this.redactedUrl}`, () => listTables(this.session.db));
  }

  describe(table: TableRef, options: { key?: string[] } = {}): Promise<TableSchema> {
    return this.step(`describing ${table.schema ? `${table.schema}.` : ''}${table.name}`, () =>
      describeTable(this.session.db, table, { ...options, location: this.redactedUrl }),
    );
  }

  async checkWhere(table: TableSchema, where: string): Promise<void> {
    checkWhere(this.session, table, where);
  }

  count(table: TableSchema, where?: string): Promise<number> {
    return this.step(`counting rows of ${name(table)}`, () => count(this.session, table, where));
  }

  isEmpty(table: TableSchema): Promise<boolean> {
    return this.step(`looking for rows in ${name(table)}`, () => isEmpty(this.session, table));
  }

  read(table: TableSchema, options: ReadOptions): RowStream {
    return readRows(this.session, table, options);
  }

  async stagingBlocked(): Promise<string | undefined> {
    return stagingBlocked();
  }

  mergeKey(target: TableSchema): Promise<MergeKey> {
    return this.step(`reading the key of ${name(target)}`, () => mergeKeyOf(this.session, target));
  }

  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged> {
    return stageRows(this.session, target, rows, options);
  }

  dropStaged(staged: Staged): Promise<void> {
    return this.step('dropping a staged table', () => dropStagedTable(this.session, staged));
  }

  checkKey(staged: Staged): Promise<KeyCheck> {
    return this.step(`checking the key of ${name(staged.target)}`, () => checkKey(this.session, staged));
  }

  classify(staged: Staged, options: ClassifyOptions): Promise<Plan> {
    return this.step(`classifying the rows of ${name(staged.target)}`, () =>
      classify(this.session, staged, options),
    );
  }

  unchanged(plan: Plan): Promise<boolean> {
    return this.step(`checking ${name(plan.staged.target)} for writes since the preview`, () =>
      unchanged(this.session, asSqlitePlan(plan)),
    );
  }

  counts(plan: Plan): Promise<PlanCounts> {
    return this.step('counting the plan', () => counts(this.session, asSqlitePlan(plan)));
  }

  samples(plan: Plan, rowClass: RowClass, limit: number, kept?: SampleKind): Promise<SampleRow[]> {
    return this.step(`reading example ${rowClass} rows of ${name(plan.staged.target)}`, () =>
      samples(this.session, asSqlitePlan(plan), rowClass, limit, kept),
    );
  }

  differing(plan: Plan, test: { columns: string[]; atLeast: number }, limit: number): Promise<Differing> {
    return this.step(`comparing the changed rows of ${name(plan.staged.target)}`, () =>
      differing(this.session, asSqlitePlan(plan), test, limit),
    );
  }

  dropPlan(plan: Plan): Promise<void> {
    return this.step('dropping a plan table', () => dropPlan(this.session, asSqlitePlan(plan)));
  }

  missingParents(plan: Plan, classes: RowClass[]): Promise<MissingParent[]> {
    return this.step(`checking the parents of rows to write into ${name(plan.staged.target)}`, () =>
      missingParents(this.session, asSqlitePlan(plan), classes),
    );
  }

  referencing(plan: Plan): Promise<Referencing[]> {
    return this.step(`checking what references the extra rows of ${name(plan.staged.target)}`, () =>
      referencing(this.session, asSqlitePlan(plan)),
    );
  }

  async unwritable(_plan: Plan): Promise<UnwritableColumn[]> {
    return unwritable();
  }

  async begin(target: TableSchema, options: BeginOptions): Promise<void> {
    begin(this.session, target, options);
  }

  async commit(): Promise<void> {
    commit(this.session);
  }

  async rollback(): Promise<void> {
    rollback(this.session);
  }

  image(plan: Plan, classes: RowClass[]): RowStream {
    return image(this.session, asSqlitePlan(plan), classes);
  }

  digests(target: TableSchema, of?: { plan: Plan; classes: RowClass[] }): RowStream {
    return digests(this.session, target, of);
  }

  stageDigests(target: TableSchema, rows: RowStream): Promise<Staged> {
    return this.step(`staging the post-image of ${name(target)}`, () =>
      stageDigests(this.session, target, rows),
    );
  }

  drift(staged: Staged, absent: Staged, limit: number): Promise<Drift> {
    return this.step(`comparing ${name(staged.target)} with the restore's post-image`, () =>
      drift(this.session, staged, absent, limit),
    );
  }

  insertMissing(plan: Plan): Promise<number> {
    return this.step(`inserting missing rows into ${name(plan.staged.target)}`, () =>
      insertMissing(this.session, asSqlitePlan(plan)),
    );
  }

  updateChanged(plan: Plan): Promise<number> {
    return this.step(`updating changed rows of ${name(plan.staged.target)}`, () =>
      updateChanged(this.session, asSqlitePlan(plan)),
    );
  }

  deleteExtra(plan: Plan): Promise<number> {
    return this.step(`deleting extra rows of ${name(plan.staged.target)}`, () =>
      deleteExtra(this.session, asSqlitePlan(plan)),
    );
  }

  copyIn(target: TableSchema, rows: RowStream, options: StageOptions): Promise<number> {
    return this.step(
      `copying rows into ${name(target)}`,
      () => copyIn(this.session, target, rows, options),
      true,
    );
  }

  verify(plan: Plan, written: RowClass[], deleted: boolean): Promise<VerifyResult> {
    return this.step(`verifying ${name(plan.staged.target)}`, () => {
      const result = verify(this.session, asSqlitePlan(plan), written, deleted);
      // Deferred foreign keys would only fail at COMMIT (or never, on a dry run): refused here, rolled back.
      const broken = brokenForeignKeys(this.session);
      if (broken.length > 0) {
        throw missingParentError(formatTable(plan.staged.target.ref), broken, this.engine.capabilities);
      }
      return result;
    });
  }

  counters(target: TableSchema, options: { staged?: Staged } = {}): Promise<Counter[]> {
    return this.step(`reading the AUTOINCREMENT counter of ${name(target)}`, () =>
      counters(this.session, target, options.staged),
    );
  }

  moveCounters(target: TableSchema, wanted: Counter[]): Promise<Counter[]> {
    return this.step(`moving the AUTOINCREMENT counter of ${name(target)}`, () =>
      moveCounters(this.session, target, wanted),
    );
  }

  /** Inserts move sqlite_sequence inside the transaction, so a rollback has put it back already. */
  async resetCounters(): Promise<void> {}

  close(): Promise<void> {
    return closeSession(this.session);
  }

  /**
   * better-sqlite3 runs each statement to its end on this thread, so nothing runs while this is called:
   * the next step (or the next chunk of a stream) stops with 'interrupted' and the transaction rolls back.
   */
  async cancel(): Promise<void> {
    this.session.cancelled = true;
  }
}
