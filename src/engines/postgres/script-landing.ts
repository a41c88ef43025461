import type { ForeignKey } from '../../core/table.js';
import type { PgSession } from './connect.js';
import { describeForeignKeys } from './describe.js';
import type { PgPlan } from './plan.js';
import { keyEquals, quoteString, quoteTable, sameText } from './sql.js';

/*
 * Where a script's rows land in an inheritance tree, as the apply sees it (parents.ts, write.ts): a
 * missing row goes into the table it came from, a changed row stays where it lives; each table has its
 * own foreign keys (children do not inherit them), and INSERT rules would rewrite an INSERT.
 */

/** The foreign keys to check, per table rows land in, with the condition picking that table's rows. */
export interface LandingKeys {
  /** `schema.name` for messages. */
  table: string;
  foreignKeys: ForeignKey[];
  /** A condition over the work table's row `s`: the row lands in this table. Absent: every row does. */
  landing?: string;
}

/**
 * The tables of the target's tree with their foreign keys. `cls` and `origin` name the work table's class
 * and origin columns (quoted).
 */
export async function landingKeys(
  session: PgSession,
  plan: PgPlan,
  cls: string,
  origin: string,
): Promise<LandingKeys[]> {
  const target = plan.staged.target;
  const name = `${target.ref.schema}.${target.ref.name}`;
  if (target.partitioning !== 'inheritance') return [{ table: name, foreignKeys: target.foreignKeys }];
  const parent = quoteTable(target.ref);
  const where = `(CASE WHEN s.${cls} = 'missing' THEN coalesce(to_regclass(s.${origin}), ${quoteString(parent)}::regclass)
      ELSE (SELECT t.tableoid::regclass FROM ${parent} AS t WHERE ${keyEquals(plan.key, 't', 's')} LIMIT 1) END)`;
  const children = await session.client.query<{ oid: string; name: string; quoted: string }>(
    `WITH RECURSIVE tree(oid) AS (
       SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass
       UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
     SELECT c.oid::text AS oid, n.nspname || '.' || c.relname AS name,
            format('%I.%I', n.nspname, c.relname) AS quoted
     FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     ORDER BY 2`,
    [parent],
  );
  const found: LandingKeys[] = [
    { table: name, foreignKeys: target.foreignKeys, landing: `${where} = ${quoteString(parent)}::regclass` },
  ];
  for (const child of children.rows) {
    found.push({
      table: child.name,
      foreignKeys: await describeForeignKeys(session.client, child.oid, false),
      landing: `${where} = ${quoteString(child.quoted)}::regclass`,
    });
  }
  return found;
}

/**
 * PL/pgSQL statements inserting rows into a table with INSERT rules, which a script (unlike the apply,
 * which copies rows past them) cannot keep from rewriting the INSERT: the rows are marked, inserted, and
 * must then be in that very table under their key with their values, or the script stops, having written
 * nothing, and says why. `rows` is the work table's condition for the rows bound there.
 */
export function insertPastRules(
  plan: PgPlan,
  options: {
    table: string;
    /** The table as people write it, for the message. */
    label: string;
    rules: string[];
    work: string;
    cls: string;
    rows: string;
    insert: string;
    written: string[];
    /** Records `n`, the rows inserted. */
    record: string;
  },
): string {
  const { table, work, cls, rows } = options;
  return `  UPDATE ${work} AS s SET ${cls} = 'inserting' WHERE ${rows};
  ${options.insert} WHERE s.${cls} = 'inserting';
  GET DIAGNOSTICS n = ROW_COUNT;
  ${options.record}
  IF EXISTS (SELECT 1 FROM ${work} AS s WHERE s.${cls} = 'inserting' AND NOT EXISTS (
      SELECT 1 FROM ONLY ${table} AS t WHERE ${keyEquals(plan.key, 't', 's')} AND ${sameText(options.written, 't', 's')})) THEN
    RAISE EXCEPTION 'rowback: the INSERT rules of % (%) rewrote rows this script inserted, so they did not land as they were; nothing was written. Run the restore with rowback itself (it copies rows past INSERT rules), or disable those rules while this script runs',
      ${quoteString(options.label)}, ${quoteString(options.rules.join(', '))};
  END IF;
  UPDATE ${work} AS s SET ${cls} = 'inserted' WHERE s.${cls} = 'inserting';`;
}
