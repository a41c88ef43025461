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
import { killQuery, type Session } from './connect.js';
import { counters, moveCounters, resetCounters } from './counters.js';
import { describeTable, listTables } from './describe.js';
import { digests, drift, stageDigests } from './digest.js';
import { identity } from './identity.js';
import { begin, commit, rollback } from './lock.js';
import { mergeKeyOf, stagingBlocked } from './merge.js';
import { missingParents, referencing, unwritable } from './parents.js';
import { asMysqlPlan, checkKey, classify, counts, dropPlan, unchanged } from './plan.js';
import { exec, query } from './query.js';
import { checkWhere, count, isEmpty, readBeside, readRows } from './read.js';
import { differing, samples } from './samples.js';
import { scriptSteps } from './script.js';
import { asMysqlStaged, dropStaged, stageRows } from './stage.js';
import { verify } from './verify.js';
import { copyIn, deleteExtra, image, insertMissing, updateChanged } from './write.js';

const name = (t: TableSchema) => `${t.ref.schema}.${t.ref.name}`;

/** One pinned MySQL/MariaDB session; each method delegates to the file that does that one step. */
export class MysqlConnection implements Connection {
  readonly redactedUrl: string;
  readonly script: ScriptSteps;
  private closed = false;

  constructor(
    readonly engine: Engine,
    private readonly session: Session,
    private readonly ownProfile: SessionProfile,
  ) {
    this.redactedUrl = session.redactedUrl;
    this.script = scriptSteps(session);
  }

  /** Runs one step, wrapping a driver error with what the step was doing. */
  private async step<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.session.wrap(error, `while ${doing}`);
    }
  }

  /** The target's sql_mode, which a source session pins too (see connect.ts). */
  async profile(): Promise<SessionProfile> {
    return { ...this.ownProfile };
  }

  serverVersion(): Promise<string> {
    return this.step(`reading the server version of ${this.redactedUrl}`, async () => {
      return (await this.session.scalar('SELECT VERSION()')) ?? '';
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
    return this.step(`listing the tables of ${this.redactedUrl}`, () => listTables(this.session));
  }

  describe(table: TableRef, options?: { key?: string[] }): Promise<TableSchema> {
    return this.step(`describing ${table.name}`, () => describeTable(this.session, table, options));
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
    return stagingBlocked(this.session);
  }

  mergeKey(target: TableSchema): Promise<MergeKey> {
    return this.step(`reading the key collations of ${name(target)}`, () => mergeKeyOf(this.session, target));
  }

  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged> {
    return this.step(`staging rows for ${name(target)}`, () =>
      stageRows(this.session, target, rows, options),
    );
  }

  dropStaged(staged: Staged): Promise<void> {
    return this.step('dropping a staged table', () => dropStaged(this.session, asMysqlStaged(staged)));
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
    asMysqlPlan(plan);
    return unchanged();
  }

  counts(plan: Plan): Promise<PlanCounts> {
    return this.step('counting the plan', () => counts(this.session, asMysqlPlan(plan)));
  }

  samples(plan: Plan, rowClass: RowClass, limit: number, kept?: SampleKind): Promise<SampleRow[]> {
    return this.step(`reading example ${rowClass} rows of ${name(plan.staged.target)}`, () =>
      samples(this.session, asMysqlPlan(plan), rowClass, limit, kept),
    );
  }

  differing(plan: Plan, test: { columns: string[]; atLeast: number }, limit: number): Promise<Differing> {
    return this.step(`comparing the changed rows of ${name(plan.staged.target)}`, () =>
      differing(this.session, asMysqlPlan(plan), test, limit),
    );
  }

  dropPlan(plan: Plan): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.step('dropping a plan table', () => dropPlan(this.session, asMysqlPlan(plan)));
  }

  missingParents(plan: Plan, classes: RowClass[]): Promise<MissingParent[]> {
    return this.step(`checking the parents of rows to write into ${name(plan.staged.target)}`, () =>
      missingParents(this.session, asMysqlPlan(plan), classes),
    );
  }

  referencing(plan: Plan): Promise<Referencing[]> {
    return this.step(`checking what references the extra rows of ${name(plan.staged.target)}`, () =>
      referencing(this.session, asMysqlPlan(plan)),
    );
  }

  unwritable(plan: Plan): Promise<UnwritableColumn[]> {
    asMysqlPlan(plan);
    return unwritable();
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
    return image(this.session, asMysqlPlan(plan), classes);
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
      insertMissing(this.session, asMysqlPlan(plan)),
    );
  }

  updateChanged(plan: Plan): Promise<number> {
    return this.step(`updating changed rows of ${name(plan.staged.target)}`, () =>
      updateChanged(this.session, asMysqlPlan(plan)),
    );
  }

  deleteExtra(plan: Plan): Promise<number> {
    return this.step(`deleting extra rows of ${name(plan.staged.target)}`, () =>
      deleteExtra(this.session, asMysqlPlan(plan)),
    );
  }

  copyIn(target: TableSchema, rows: RowStream, options: StageOptions): Promise<number> {
    return this.step(`loading rows straight into ${name(target)}`, () =>
      copyIn(this.session, target, rows, options),
    );
  }

  verify(plan: Plan, written: RowClass[], deleted: boolean): Promise<VerifyResult> {
    return this.step(`verifying ${name(plan.staged.target)}`, () =>
      verify(this.session, asMysqlPlan(plan), written, deleted),
    );
  }

  counters(target: TableSchema, options: { staged?: Staged } = {}): Promise<Counter[]> {
    return this.step(`reading the AUTO_INCREMENT of ${name(target)}`, () =>
      counters(this.session, target, options.staged),
    );
  }

  moveCounters(target: TableSchema, wanted: Counter[]): Promise<Counter[]> {
    return this.step(`moving the AUTO_INCREMENT of ${name(target)}`, () =>
      moveCounters(this.session, target, wanted),
    );
  }

  resetCounters(target: TableSchema, wanted: Counter[]): Promise<void> {
    return this.step(`putting back the AUTO_INCREMENT of ${name(target)}`, () =>
      resetCounters(this.session, target, wanted),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }

  /** KILL QUERY from a second session; the statement fails, and the core rolls the transaction back. */
  async cancel(): Promise<void> {
    this.session.cancelled = true;
    if (this.closed) return;
    await killQuery(this.session).catch(() => this.session.raw.destroy());
  }
}
