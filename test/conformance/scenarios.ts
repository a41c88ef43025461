import type { AppliedCounts, ChangedPolicy, ExtraPolicy, PlanCounts } from '../../src/index.js';
import type { EngineName } from '../harness/index.js';
import { KEY_SCENARIOS } from './scenarios-keys.js';
import { POLICY_SCENARIOS } from './scenarios-policies.js';
import { SHAPE_SCENARIOS } from './scenarios-shapes.js';
import { TYPE_SCENARIOS } from './scenarios-types.js';
import { VALUE_SCENARIOS } from './scenarios-values.js';

/** One value per engine, or one value both engines share. */
/**
 * One value per engine, or one value every engine shares. SQLite takes its own value where one is given,
 * else PostgreSQL's (SQLite reads PostgreSQL's DDL: any type name is a type to it).
 */
export type PerEngine<T> = T | { postgres: T; mysql: T; sqlite?: T };

/** SQL statements run one by one (a client need not accept several statements in one call). */
export type Statements = PerEngine<string[]>;

/**
 * A restore scenario, written once and run against every engine. The source gets `ddl` + `seed` (the past
 * state); the target gets the same, then `accident` (the DELETE, then writes made since). rowback restores the
 * target from the source with `options`; the final target table must equal `expect.final` line for line, in the
 * text `Scratch.dump` prints (tab-separated, `\N` for NULL, ordered by `orderBy`).
 */
export interface Scenario {
  /** A sentence of behaviour. */
  name: string;
  /**
   * Engines the scenario does not apply to, each with the reason (a type or feature the engine lacks,
   * e.g. SQLite has no partitions); its promise is kept for that engine elsewhere when the reason says so.
   */
  notOn?: Partial<Record<EngineName, string>>;
  table: string;
  /** Columns ordering the dump; a key, so the order is total. */
  orderBy: string[];
  ddl: Statements;
  seed: Statements;
  accident: Statements;
  options?: {
    changed?: ChangedPolicy;
    extra?: ExtraPolicy;
    /** Per engine where the SQL differs. */
    where?: PerEngine<string>;
    key?: string[];
  };
  expect: {
    plan: PlanCounts;
    applied: AppliedCounts;
    final: PerEngine<string[]>;
    /**
     * A query over the final target table showing how values are stored (bit patterns, HEX() of bytes) where
     * the dump's text could hide a difference, with its result as dump lines; per engine, where it applies.
     */
    stored?: { postgres?: StoredCheck; mysql?: StoredCheck; sqlite?: StoredCheck };
  };
  /**
   * Run on the target after the restore, then the table must equal `final` (e.g. a row inserted with the
   * default key must not collide with restored keys).
   */
  after?: { sql: Statements; final: PerEngine<string[]> };
}

/** A query and the lines it must return (values in the dump's text; see `Scenario.expect.stored`). */
export interface StoredCheck {
  sql: string;
  lines: string[];
}

/** Picks one engine's value. */
export function forEngine<T>(value: PerEngine<T>, engine: EngineName): T {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'postgres' in value) {
    const perEngine = value as { postgres: T; mysql: T; sqlite?: T };
    return engine === 'sqlite' ? (perEngine.sqlite ?? perEngine.postgres) : perEngine[engine];
  }
  return value as T;
}

export const SCENARIOS: Scenario[] = [
  ...VALUE_SCENARIOS,
  ...TYPE_SCENARIOS,
  ...KEY_SCENARIOS,
  ...SHAPE_SCENARIOS,
  ...POLICY_SCENARIOS,
];
