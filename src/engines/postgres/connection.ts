import type { MissingParent, PlanCounts, RowClass, SampleRow } from '../../core/plan.js';
import type { ListedTable, TableRef, TableSchema } from '../../core/table.js';
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
import { cancelBackend, type PgSession } from './connect.js';
import { counters, moveCounters, resetCounters } from './counters.js';
import { describeTable, listTables } from './describe.js';
import { digests, drift, stageDigests } from './digest.js';
import { mapError } from './errors.js';
import { unchanged } from './fingerprint.js';
import { identity } from './identity.js';
import { begin, checkCancelled, commit, rollback } from './lock.js';
import { mergeKeyOf, stagingBlocked } from './merge.js';
import { missingParents, referencing, unwritable } from './parents.js';
import { asPgPlan, checkKey, classify, counts, dropPlan } from './plan.js';
import { exec, query } from './query.js';
import { checkWhere, count, isEmpty, readBeside, readRows } from './read.js';
import { differing, samples } from './samples.js';
import { scriptSteps } from './script.js';
import { dropStagedTable, stageRows } from './stage.js';
import { verify } from './verify.js';
import { copyIn, deleteExtra, image, insertMissing, updateChanged } from './write.js';

const name = (t: TableSchema) => `${t.ref.schema}.${t.ref.name}`;

/** A PostgreSQL session; each method delegates to the file that does that one step. */
export class PgConnection implements Connection {
  readonly redactedUrl: string;
  readonly script: ScriptSteps;

  constructor(
    readonly engine: Engine,
    private readonly session: PgSession,
  ) {
    this.redactedUrl = session.redactedUrl;
    this.script = scriptSteps(session);
  }

  /** Runs one step, wrapping a driver error with what the step was doing. */
  private async step<T>(doing: string, fn: () => Promise<T>, sourceRows = false): Promise<T> {
    try {
      checkCancelled(this.session);
      return await fn();
    } catch (error) {
      const { cancelled: interrupted, inTransaction: rolledBack } = this.session;
      throw mapError(error, doing, { interrupted, rolledBack, sourceRows });
    }
  }

  /** PostgreSQL pins fixed settings on every session, so there is nothing to carry from the target. */
  async profile(): Promise<SessionProfile> {
    return {};
  }

  serverVersion(): Promise<string> {
    return this.step(`reading the server version of ${this.redactedUrl}`, async () => {
      return (await this.session.client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    });
  }

  identity(table: TableSchema): Promise<Identity> {
    return this.step(`reading the identity of ${name(table)}`, () => identity(this.session, table));
  }

  query(sql: string): Promise<QueryResult> {
    return query(this.session, sql);
  }

  exec(sql: string): Promise<void> {
    return exec(this.session, sql);
  }

  listTables(): Promise<ListedTable[]> {
    return this.step(`listing the tables of ${this.redactedUrl}`, () => listTables(this.session.client));
  }

  describe(table: TableRef, options: { key?: string[] } = {}): Promise<TableSchema> {
    return this.step(`describing ${table.schema ? `${table.schema}.` : ''}${table.name}`, () =>
      describeTable(this.session.client, table, { ...options, location: this.redactedUrl }),
    );
  }

  checkWhere(table: TableSchema, where: string): Promise<void> {
    return checkWhere(this.session, table, where);
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

  readBeside(table: TableSchema, options: ReadOptions): RowStream {
    return readBeside(this.session, table, options);
  }

  stagingBlocked(): Promise<string | undefined> {
    return this.step(`checking whether ${this.redactedUrl} can stage rows`, () =>
      stagingBlocked(this.session.client),
    );
  }

  mergeKey(target: TableSchema): Promise<MergeKey> {
    return this.step(`reading the key types of ${name(target)}`, () =>
      mergeKeyOf(this.session.client, target),
    );
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
      unchanged(this.session, asPgPlan(plan)),
    );
  }

  counts(plan: Plan): Promise<PlanCounts> {
    return this.step('counting the plan', () => counts(this.session, asPgPlan(plan)));
  }

  samples(plan: Plan, rowClass: RowClass, limit: number, kept?: SampleKind): Promise<SampleRow[]> {
    return this.step(`reading example ${rowClass} rows of ${name(plan.staged.target)}`, () =>
      samples(this.session, asPgPlan(plan), rowClass, limit, kept),
    );
  }

  differing(plan: Plan, test: { columns: string[]; atLeast: number }, limit: number): Promise<Differing> {
    return this.step(`comparing the changed rows of ${name(plan.staged.target)}`, () =>
      differing(this.session, asPgPlan(plan), test, limit),
    );
  }

  dropPlan(plan: Plan): Promise<void> {
    return this.step('dropping a plan table', () => dropPlan(this.session, asPgPlan(plan)));
  }

  missingParents(plan: Plan, classes: RowClass[]): Promise<MissingParent[]> {
    return this.step(`checking the parents of rows to write into ${name(plan.staged.target)}`, () =>
      missingParents(this.session, asPgPlan(plan), classes),
    );
  }

  referencing(plan: Plan): Promise<Referencing[]> {
    return this.step(`checking what references the extra rows of ${name(plan.staged.target)}`, () =>
      referencing(this.session, asPgPlan(plan)),
    );
  }

  unwritable(plan: Plan): Promise<UnwritableColumn[]> {
    return this.step(`checking the columns of changed rows of ${name(plan.staged.target)}`, () =>
      unwritable(this.session, asPgPlan(plan)),
    );
  }

  begin(target: TableSchema, options: BeginOptions): Promise<void> {
    return begin(this.session, target, options);
  }

  commit(): Promise<void> {
    return commit(this.session);
  }

  rollback(): Promise<void> {
    return rollback(this.session);
  }

  image(plan: Plan, classes: RowClass[]): RowStream {
    return image(this.session, asPgPlan(plan), classes);
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
      insertMissing(this.session, asPgPlan(plan)),
    );
  }

  updateChanged(plan: Plan): Promise<number> {
    return this.step(`updating changed rows of ${name(plan.staged.target)}`, () =>
      updateChanged(this.session, asPgPlan(plan)),
    );
  }

  deleteExtra(plan: Plan): Promise<number> {
    return this.step(`deleting extra rows of ${name(plan.staged.target)}`, () =>
      deleteExtra(this.session, asPgPlan(plan)),
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
    return this.step(`verifying ${name(plan.staged.target)}`, () =>
      verify(this.session, asPgPlan(plan), written, deleted),
    );
  }

  counters(target: TableSchema, options: { staged?: Staged } = {}): Promise<Counter[]> {
    return this.step(`reading the sequences of ${name(target)}`, () =>
      counters(this.session, target, options.staged),
    );
  }

  moveCounters(target: TableSchema, wanted: Counter[]): Promise<Counter[]> {
    return this.step(`moving the sequences of ${name(target)}`, () =>
      moveCounters(this.session, target, wanted),
    );
  }

  /** Puts back sequences a dry run's inserts drew from (a default's nextval), inside its transaction. */
  resetCounters(target: TableSchema, wanted: Counter[]): Promise<void> {
    return this.step(`putting back the sequences of ${name(target)}`, () =>
      resetCounters(this.session, wanted),
    );
  }

  async close(): Promise<void> {
    if (this.session.closed) return;
    this.session.closed = true;
    await this.session.client.end().catch(() => {});
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
