import { isRowbackError, RowbackError } from '../core/errors.js';
import type { Connection, QueryResult } from '../engines/engine.js';
import { connect } from '../open.js';
import { describeKeys, keyedWrite } from './affected-keys.js';
import { DESCRIBE, describeSql } from './describe.js';
import { formatResult, plural } from './format.js';
import { type Dialect, type GuardedStatement, guardStatements } from './guard.js';
import {
  commandTag,
  commandWords,
  DELIBERATE,
  describeRefusal,
  describeUnparseable,
  serverMessage,
} from './messages.js';
import { RestorePoints } from './restore-points.js';
import { isBlank, splitStatements } from './split.js';
import type { ConsoleOptions, RunOutcome } from './types.js';
import { commitsImplicitly, UserTransaction } from './user-transaction.js';

/**
 * The SQL console's engine room: every input is guarded before anything is sent (see guard.ts); writes
 * run in a transaction and are committed only when the person says so; a restore point is recorded
 * before each destructive statement. One pinned session, reopened when it was lost or cancelled.
 */
export class SqlConsole {
  private connection: Connection | undefined;
  private readonly tx = new UserTransaction();
  private cancelled = false;
  private readonly points: RestorePoints;

  private constructor(
    private readonly options: ConsoleOptions,
    connection: Connection,
    readonly dialect: Dialect,
  ) {
    this.connection = connection;
    this.points = new RestorePoints(options.stateDir, options.notify, (text) => options.io.say(text));
  }

  static async open(options: ConsoleOptions): Promise<SqlConsole> {
    const connection = await connect(options.url, connectOptions(options));
    const dialect = await dialectOf(connection);
    return new SqlConsole(options, connection, dialect);
  }

  get target(): string {
    return this.connection?.redactedUrl ?? '';
  }

  /** Inside a BEGIN the person typed. */
  get inTransaction(): boolean {
    return this.tx.active;
  }

  /** True when `buffer` ends a statement with `;` (outside quotes and comments): time to run it. */
  isComplete(buffer: string): boolean {
    if (isMetaCommand(buffer)) return true;
    const { complete, rest } = splitStatements(buffer, this.dialect);
    return complete.length > 0 && isBlank(rest.text, this.dialect);
  }

  /** Guards and runs one input (one or more statements ending in `;`). */
  async run(input: string): Promise<RunOutcome> {
    const described = DESCRIBE.exec(input);
    if (described) {
      const sql = describeSql(this.dialect, described[1]);
      return this.runOne({ text: sql, verdict: { kind: 'run' } });
    }
    if (isMetaCommand(input)) {
      this.options.io.say(
        `Unknown command ${input.trim().replace(/;$/, '')}: the console knows \\d, \\d name, \\q, and ${DELIBERATE} before a refused statement.`,
      );
      return 'unparseable';
    }
    const deliberate = input.trimStart().startsWith(DELIBERATE);
    const sql = deliberate ? input.trimStart().slice(DELIBERATE.length) : input;
    const guarded = await guardStatements(sql, this.dialect);
    if ('error' in guarded) {
      this.options.io.say(describeUnparseable(sql, guarded.error));
      return 'unparseable';
    }
    const refused = guarded.statements.filter((s) => s.verdict.kind === 'refuse');
    if (refused.length > 0 && !deliberate) {
      for (const statement of refused) this.options.io.say(describeRefusal(statement));
      if (guarded.statements.length > 1) this.options.io.say('Nothing of this input ran.');
      return 'refused';
    }
    for (const statement of guarded.statements) {
      const outcome = await this.runOne(statement);
      if (this.cancelled) return this.afterCancel(outcome);
      if (outcome !== 'ok') return outcome;
    }
    return 'ok';
  }

  /** Stops the statement running now (Ctrl-C); the session is reopened for the next one. */
  async cancel(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.cancelled = true;
    await connection.cancel().catch(() => undefined);
  }

  /**
   * After Ctrl-C the session is reopened whatever the statement did: MySQL's SLEEP returns early without
   * an error, and a session that was cancelled once reports every later error as an interruption.
   */
  private afterCancel(outcome: RunOutcome): RunOutcome {
    this.cancelled = false;
    if (outcome === 'ok') this.options.io.say('Cancelled.');
    if (this.tx.active) this.options.io.say('The open transaction was lost (rolled back).');
    this.tx.end();
    void this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    return outcome === 'ok' ? 'failed' : outcome;
  }

  async close(): Promise<void> {
    if (this.tx.active) this.options.io.say('The open transaction was rolled back.');
    await this.points.flush();
    await this.connection?.close();
    this.connection = undefined;
  }

  private async runOne(statement: GuardedStatement): Promise<RunOutcome> {
    const { verdict, text } = statement;
    try {
      const commitsFirst = this.tx.changedRows ? commitsImplicitly(this.dialect, statement) : undefined;
      if (commitsFirst) {
        const question = `MySQL commits the open transaction before ${commitsFirst}; it changed rows in ${this.tx.tables}. commit?`;
        if (!(await this.askCommit(question, ` ${commitsFirst} was not run.`))) return 'declined';
        await this.send('COMMIT');
        this.tx.end();
        this.options.io.say('Committed.');
      }
      switch (verdict.kind) {
        case 'run':
          this.show(await this.send(text), commandTag(text));
          return 'ok';
        case 'transaction':
          return await this.transaction(verdict.action, text);
        case 'unknown': {
          const question = `The console cannot tell what ${commandWords(text)} does to rows. Run it?`;
          if (!(await this.confirm(question, 'Not run'))) return 'declined';
          await this.mark(statement, []);
          this.show(await this.send(text), commandTag(text));
          return 'ok';
        }
        default:
          return await this.write(statement, verdict.tables);
      }
    } catch (error) {
      return this.failed(error);
    }
  }

  /** A write: a restore point, then in the person's transaction, or in one of its own ended by `commit?`. */
  private async write(statement: GuardedStatement, tables: string[]): Promise<RunOutcome> {
    const { verdict, text } = statement;
    await this.mark(statement, tables);
    const wholeTable = verdict.kind === 'refuse' && !/^(DELETE|UPDATE)/.test(verdict.reason);
    if (this.tx.active || wholeTable) {
      this.show(await this.send(text), wholeTable ? commandTag(text) : undefined);
      if (this.tx.active) this.tx.wrote(tables);
      return 'ok';
    }
    // Read before BEGIN: a catalog query that fails must not abort the transaction the write runs in.
    const keyed = await keyedWrite(await this.session(), this.dialect, text);
    await this.send(this.dialect === 'mysql' || this.dialect === 'mariadb' ? 'START TRANSACTION' : 'BEGIN');
    try {
      const sent = await this.send(keyed?.sql ?? text);
      // The appended RETURNING is rowback's: the person sees the count, as for the statement typed.
      const result = keyed ? { columns: [], rows: [], affected: sent.rows.length } : sent;
      this.show(result);
      const keys = keyed && describeKeys(keyed, sent);
      if (keys) this.options.io.say(keys);
      const count = result.affected ?? result.rows.length;
      const question = `${count} ${plural(count)} changed in ${tables.join(', ')}. commit?`;
      if (await this.confirm(question, 'Not committed')) {
        await this.send('COMMIT');
        this.options.io.say('Committed.');
        return 'ok';
      }
    } catch (error) {
      await this.send('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await this.send('ROLLBACK');
    this.options.io.say('Rolled back; nothing was changed.');
    return 'declined';
  }

  private async transaction(action: string, text: string): Promise<RunOutcome> {
    if (action === 'commit' && this.tx.changedRows) {
      const question = `This transaction changed rows in ${this.tx.tables}. commit?`;
      if (!(await this.askCommit(question, ''))) return 'declined';
    }
    this.show(await this.send(text), commandTag(text));
    if (action === 'begin') this.tx.begin();
    if (action === 'commit' || action === 'rollback') this.tx.end();
    return 'ok';
  }

  /** Asks `commit?` of the person's transaction; on no it is rolled back, and `then` says what else was not run. */
  private async askCommit(question: string, then: string): Promise<boolean> {
    if (await this.confirm(question, 'Not committed')) return true;
    this.tx.end();
    await this.send('ROLLBACK');
    this.options.io.say(`Rolled back; nothing was changed.${then}`);
    return false;
  }

  /** Asks; without anyone to ask, only --yes says yes. */
  private async confirm(question: string, what: string): Promise<boolean> {
    if (this.options.yes) return true;
    const answer = await this.options.io.ask(question);
    if (answer === undefined) {
      this.options.io.say(`${what}: there is no terminal to ask on; pass --yes to say yes in scripts.`);
      return false;
    }
    if (!answer && what === 'Not run') this.options.io.say('Not run.'); // a declined commit says it rolled back
    return answer;
  }

  private async mark(statement: GuardedStatement, tables: string[]): Promise<void> {
    await this.points.take(await this.session(), this.dialect, statement.text, tables);
  }

  private async send(sql: string): Promise<QueryResult> {
    return (await this.session()).query(sql);
  }

  /** The pinned session, reopened when the last one was lost or cancelled. */
  private async session(): Promise<Connection> {
    if (this.connection) return this.connection;
    this.connection = await connect(this.options.url, connectOptions(this.options));
    this.options.io.say(`Reconnected to ${this.connection.redactedUrl}.`);
    return this.connection;
  }

  private failed(error: unknown): RunOutcome {
    const e = isRowbackError(error) ? error : new RowbackError('internal', String(error), { cause: error });
    if (e.code === 'interrupted' || e.code === 'connection') {
      // Both leave the session unusable or in doubt: drop it, reopen on the next statement.
      void this.connection?.close().catch(() => undefined);
      this.connection = undefined;
      this.options.io.say(e.code === 'interrupted' ? 'Cancelled.' : `ERROR: ${e.message}`);
      if (this.tx.active) this.options.io.say('The open transaction was lost (rolled back).');
      this.tx.end();
      return 'failed';
    }
    this.options.io.say(`ERROR: ${serverMessage(e)}`);
    return 'failed';
  }

  /** A result table, the rows a write changed, or (for anything else) its command, as psql says `BEGIN`. */
  private show(result: QueryResult, tag?: string): void {
    const quiet = tag !== undefined && result.columns.length === 0;
    this.options.io.out(quiet ? tag : formatResult(result));
  }
}

/** A backslash command, complete at the end of its line as in psql (`\\i-mean-it` prefixes a statement). */
function isMetaCommand(buffer: string): boolean {
  const start = buffer.trimStart();
  return start.startsWith('\\') && !start.startsWith(DELIBERATE);
}

function connectOptions(options: ConsoleOptions) {
  return {
    applicationName: 'rowback sql',
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
  };
}

async function dialectOf(connection: Connection): Promise<Dialect> {
  if (connection.engine.name !== 'mysql') return connection.engine.name;
  return /mariadb/i.test(await connection.serverVersion()) ? 'mariadb' : 'mysql';
}
