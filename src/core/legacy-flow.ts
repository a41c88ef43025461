import type { LegacyConnection } from '../engines/legacy.js';
import type { Applied } from './apply.js';
import type { CounterMove } from './counters.js';
import type { UndoBundle, UndoSink } from './images.js';
import type { RestoreOptions, UndoReport } from './options.js';
import type { Policy } from './plan.js';
import { type Prepared, readOptions } from './prepare.js';
import type { TableSchema } from './table.js';

/*
 * The write flow of engines not yet on the step interface: they carry it themselves (see
 * src/engines/legacy.ts). Gone once every engine supplies steps.
 */

function moves(sequences: { name: string; value: string }[]): CounterMove[] {
  return sequences.map((s) => ({ name: s.name, from: null, value: s.value, moved: true }));
}

export async function legacyDirect(
  target: LegacyConnection,
  p: Prepared,
  options: RestoreOptions,
  undo: UndoSink,
  onProgress: (rows: number) => void,
): Promise<Applied | undefined> {
  const result = await target.applyDirect(p.target, p.sessions.source.read(p.source, readOptions(p)), {
    columns: p.columns,
    undo,
    ...(options.disableTriggers ? { disableTriggers: true } : {}),
    onProgress,
  });
  if (!result) return undefined;
  return { ...result, counters: moves(result.sequences), replanned: false };
}

export async function legacyApply(
  target: LegacyConnection,
  p: Prepared,
  options: RestoreOptions,
  policy: Policy,
  expected: Applied['plan'],
  undo: UndoSink,
  onProgress: (step: string, rows: number) => void,
): Promise<Applied> {
  const staged = legacyStaged.get(p);
  if (!staged) throw new Error('no staged rows for this restore');
  const result = await target.apply(staged, {
    policy,
    expected,
    undo,
    ...(p.where === undefined ? {} : { where: p.where }),
    ...(options.disableTriggers ? { disableTriggers: true } : {}),
    ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    onProgress,
  });
  return { ...result, counters: moves(result.sequences), replanned: result.replanned ?? true };
}

/** The staged rows of a legacy run, by its prepared state. */
export const legacyStaged = new WeakMap<Prepared, Parameters<LegacyConnection['apply']>[0]>();

export async function legacyUndo(
  target: LegacyConnection,
  schema: TableSchema,
  bundle: UndoBundle,
  dryRun: boolean,
): Promise<Pick<UndoReport, 'applied' | 'verification' | 'warnings' | 'sequences'>> {
  const result = await target.undo(schema, bundle, { dryRun });
  return { ...result, warnings: result.warnings ?? [], sequences: [] };
}
