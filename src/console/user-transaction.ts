import type { Dialect, GuardedStatement } from './guard.js';
import { commandTag, commandWords } from './messages.js';

/**
 * A transaction the person began with BEGIN: the console lets their writes run in it and asks `commit?`
 * at their COMMIT, naming the tables whose rows changed.
 */
export class UserTransaction {
  active = false;
  private changed: string[] = [];

  begin(): void {
    this.active = true;
    this.changed = [];
  }

  wrote(tables: string[]): void {
    this.changed.push(...tables);
  }

  /** Rows changed since BEGIN, so ending it needs a yes. */
  get changedRows(): boolean {
    return this.active && this.changed.length > 0;
  }

  get tables(): string {
    return [...new Set(this.changed)].join(', ');
  }

  end(): void {
    this.active = false;
    this.changed = [];
  }
}

/** MySQL statements that commit the open transaction before they run (DDL, account changes, locks). */
const COMMITS_FIRST = new Set([
  'ALTER',
  'CREATE',
  'DROP',
  'RENAME',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'LOCK',
  'UNLOCK',
  'ANALYZE',
  'OPTIMIZE',
  'REPAIR',
  'FLUSH',
  'INSTALL',
  'UNINSTALL',
]);

/**
 * What the statement is when running it would commit the person's open transaction on its own (MySQL and
 * MariaDB: DDL, and a BEGIN inside a transaction), so the console asks `commit?` before it; else undefined.
 */
export function commitsImplicitly(dialect: Dialect, statement: GuardedStatement): string | undefined {
  if (dialect !== 'mysql' && dialect !== 'mariadb') return undefined;
  const { verdict, text } = statement;
  if (verdict.kind === 'transaction') return verdict.action === 'begin' ? 'BEGIN' : undefined;
  return COMMITS_FIRST.has(commandTag(text)) ? commandWords(text) : undefined;
}
