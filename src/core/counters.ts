import type { Connection, Counter } from '../engines/engine.js';
import type { TableSchema } from './table.js';

/** A counter rowback moved past restored keys, or (`moved: false`, a dry run) would have moved. */
export interface CounterMove {
  /** The sequence name (PostgreSQL) or `schema.table.column`. */
  name: string;
  /** Where it stood before the apply, in the engine's terms. */
  from: string | null;
  /** Where it stands after the apply (or would). */
  value: string;
  moved: boolean;
}

/**
 * Keeps counters where a run wants them: moved past restored keys on an apply (inside the transaction,
 * or after COMMIT where the engine can only do it then), left exactly where they were on a dry run —
 * PostgreSQL's setval is not transactional and InnoDB moves AUTO_INCREMENT on every explicit insert, so a
 * dry run only reports where they would go.
 */
export class CounterKeeper {
  private before: Counter[] = [];
  private after: Counter[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly target: Connection,
    private readonly schema: TableSchema,
    private readonly dryRun: boolean,
  ) {}

  /** Before any write: where each counter stands. */
  async start(): Promise<void> {
    if (this.schema.sequences.length === 0) return;
    this.before = await this.target.counters(this.schema);
  }

  /** After the writes, inside the transaction: where they must go, moved now unless the engine waits. */
  async afterWrites(): Promise<void> {
    if (this.schema.sequences.length === 0) return;
    this.after = await this.target.counters(this.schema);
    if (!this.dryRun && !this.target.engine.capabilities.countersAfterCommit) {
      this.after = await this.target.moveCounters(this.schema, this.after);
    }
  }

  /**
   * After COMMIT (`committed`) or a ROLLBACK (a dry run's, or a failure's): moves counters the engine could
   * only move after COMMIT, or puts back those the rolled-back inserts moved. Never throws: the apply has
   * landed, or left nothing.
   */
  async afterEnd(committed: boolean): Promise<void> {
    const { capabilities } = this.target.engine;
    try {
      if (!committed && capabilities.insertsMoveCounters && this.before.length > 0) {
        await this.target.resetCounters(this.schema, this.before);
      } else if (committed && capabilities.countersAfterCommit && this.after.some((c) => c.next)) {
        this.after = await this.target.moveCounters(this.schema, this.after);
      }
    } catch (error) {
      this.warnings.push(this.failure(error));
    }
  }

  /** Counters whose value changed (or would), with where they stood. */
  moves(): CounterMove[] {
    return this.after.flatMap((counter) => {
      const from = this.before.find((b) => b.name === counter.name)?.value ?? null;
      const value = counter.next ?? counter.value;
      if (value === null || value === from) return [];
      return [{ name: counter.name, from, value, moved: !this.dryRun && counter.next === undefined }];
    });
  }

  private failure(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const names = this.after.map((c) => c.name).join(', ');
    return this.dryRun
      ? `The dry run could not put the counters of ${names} back where they were (${text}); check them.`
      : `The restore is committed, but the counters of ${names} could not be moved past the restored keys (${text}); new rows may collide with restored keys until you move them.`;
  }
}
