export { collect, memoryUndo, streamOf } from '../memory-undo.js';

import { DEFAULT_POLICY, type Policy } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { type Scratch, scratch } from '../../harness/index.js';
import { applyOf, planOf } from '../flow.js';
import { memoryUndo } from '../memory-undo.js';

/** A scratch pair with rowback connections opened on both sides (the source pinned to the target's profile). */
export interface Sides {
  db: Scratch;
  source: Connection;
  target: Connection;
  /** Runs the same SQL on the source and the target databases. */
  both(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function openSides(): Promise<Sides> {
  const db = await scratch('mysql');
  const target = await mysqlEngine.connect(db.targetUrl);
  const source = await mysqlEngine.connect(db.sourceUrl, { profile: await target.profile() });
  return {
    db,
    source,
    target,
    async both(sql) {
      await db.source.exec(sql);
      await db.target.exec(sql);
    },
    async close() {
      await source.close();
      await target.close();
      await db.close();
    },
  };
}

/** Reads `table` from the source, stages it on the target and applies it with the policy. */
export async function restoreTable(
  sides: Sides,
  table: string,
  policy: Policy = DEFAULT_POLICY,
  where?: string,
  extra: { allowTriggerChanges?: boolean } = {},
) {
  const sourceSchema = await sides.source.describe({ name: table });
  const targetSchema = await sides.target.describe({ name: table });
  const columns = writableColumns(targetSchema).map((c) => c.name);
  const staged = await sides.target.stage(targetSchema, sides.source.read(sourceSchema, { columns, where }), {
    columns,
  });
  const preview = await planOf(sides.target, staged, where === undefined ? {} : { where });
  const undo = memoryUndo();
  const result = await applyOf(sides.target, staged, {
    policy,
    ...(where === undefined ? {} : { where }),
    undo,
    expected: preview,
    ...extra,
  });
  return { preview, result, undo, staged, targetSchema };
}
