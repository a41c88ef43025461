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
 * PostgreSQL's setval and nextval are not transactional and InnoDB moves AUTO_INCREMENT on every explicit
 * insert, so a dry run only reports where they would go, and puts back what its writes moved.
 */
export class CounterKeeper {
  private before: Counter[] = [];
  private after: Counter[] = [];
  /** Counters a dry run drew from that could not be put back (others drew from them too). */
  private readonly drawn = new Set<string>();
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
   * A dry run, just before its ROLLBACK, inside the transaction and under its lock: counters its writes
   * moved where no ROLLBACK moves them back (a PostgreSQL column default drawing from a sequence) are put
   * back where they stood — each only when nobody drew from it since the writes, so no value another
   * session was handed is handed out again; one that was is left where it is, and said. Engines that move
   * counters only after COMMIT put them back in `afterEnd`. Never throws: a dry run writes nothing else.
   */
  async beforeRollback(): Promise<void> {
    if (!this.dryRun || this.before.length === 0 || this.target.engine.capabilities.countersAfterCommit)
      return;
    try {
      const now = await this.target.counters(this.schema);
      const back: Counter[] = [];
      for (const was of this.before) {
        const current = now.find((c) => c.name === was.name);
        if (!current || stateOf(current) === stateOf(was)) continue;
        const written = this.after.find((c) => c.name === was.name);
        if (written && stateOf(written) === stateOf(current)) back.push(was);
        else this.drawn.add(was.name);
      }
      if (back.length > 0) await this.target.resetCounters(this.schema, back);
      for (const name of this.drawn) {
        this.warnings.push(
          `The dry run drew values from ${name}, and other sessions drew from it since, so it was left where it is (${stateOf(now.find((c) => c.name === name)!)}): putting it back could hand out their values again.`,
        );
      }
    } catch (error) {
      this.warnings.push(this.failure(error));
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
      const moved = this.dryRun ? this.drawn.has(counter.name) : counter.next === undefined;
      return [{ name: counter.name, from, value, moved }];
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

/** Where a counter stands, exactly (see Counter.state). */
function stateOf(counter: Counter): string {
  return counter.state ?? counter.value ?? '';
}
