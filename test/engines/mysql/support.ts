import { DEFAULT_POLICY, type Policy } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection, RowStream, UndoBundle, UndoSink } from '../../../src/engines/engine.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { type Scratch, scratch } from '../../harness/index.js';

export async function collect(stream: RowStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function* streamOf(...chunks: (Buffer | string)[]): RowStream {
  for (const chunk of chunks) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

/** An UndoSink that keeps the images in memory and hands them back as an UndoBundle. */
export function memoryUndo(): UndoSink & { bundle(): UndoBundle; before: Buffer; after: Buffer } {
  const state = {
    before: Buffer.alloc(0) as Buffer,
    after: Buffer.alloc(0) as Buffer,
    columns: [] as string[],
    origin: false,
    async writeBefore(columns: string[], origin: boolean, rows: RowStream): Promise<number> {
      state.columns = columns;
      state.origin = origin;
      state.before = await collect(rows);
      return state.before.toString('latin1').split('\n').length - 1;
    },
    async writeAfter(columns: string[], origin: boolean, rows: RowStream): Promise<number> {
      state.columns = columns;
      state.origin = origin;
      state.after = await collect(rows);
      return state.after.toString('latin1').split('\n').length - 1;
    },
    bundle(): UndoBundle {
      return {
        columns: state.columns,
        origin: state.origin,
        before: () => streamOf(state.before),
        after: () => streamOf(state.after),
      };
    },
  };
  return state;
}

/** A scratch pair with rowback connections opened on both sides (the source pinned to the target's profile). */
export interface Sides {
  db: Scratch;
  source: Connection;
  target: Connection;
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
) {
  const sourceSchema = await sides.source.describe({ name: table });
  const targetSchema = await sides.target.describe({ name: table });
  const columns = writableColumns(targetSchema).map((c) => c.name);
  const staged = await sides.target.stage(targetSchema, sides.source.read(sourceSchema, { columns, where }), {
    columns,
  });
  const preview = await sides.target.plan(staged, { where });
  const undo = memoryUndo();
  const result = await sides.target.apply(staged, { policy, where, undo, expected: preview });
  return { preview, result, undo, staged, targetSchema };
}
