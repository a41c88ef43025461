import type {
  AppliedCounts,
  ChangedPolicy,
  ExtraPolicy,
  MissingParent,
  PlanCounts,
  Policy,
  SampleRow,
  Verification,
} from './plan.js';

/** Progress of a long step, for the CLI's progress line. `total` is known for some steps only. */
export interface ProgressEvent {
  step: 'connect' | 'describe' | 'stage' | 'plan' | 'apply' | 'verify' | 'undo' | 'script';
  rows?: number;
  total?: number;
  message?: string;
}

export interface CommonOptions {
  /** The target table: `billing` or `schema.billing`. */
  table: string;
  /** Source URL (the instance holding the past state). */
  from: string;
  /** Target URL (the live database). */
  to: string;
  /** The table's name in the source, when it differs. */
  fromTable?: string;
  /** Boolean SQL limiting both sides to a subset of rows. */
  where?: string;
  /** Key columns when the table has no primary / unique NOT NULL key (or to override it). */
  key?: string[];
  /** Where undo files and the audit log live. Default `./.rowback`. */
  stateDir?: string;
  /** Who runs this, for the audit record. Default: the OS user. */
  operator?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting rolls back whatever transaction is open and rejects with RowbackError('interrupted'). */
  signal?: AbortSignal;
}

export interface DiffOptions extends CommonOptions {
  /** Example rows per class. Default 5. */
  samples?: number;
}

export interface RestoreOptions extends CommonOptions {
  changed?: ChangedPolicy;
  extra?: ExtraPolicy;
  /** Plan, apply and verify in a transaction, then roll back. */
  dryRun?: boolean;
  /** Write the plan as a SQL script to this file instead of applying it. */
  sqlOut?: string;
  disableTriggers?: boolean;
  /** MySQL only: `SET FOREIGN_KEY_CHECKS=0` during the apply. */
  skipForeignKeyChecks?: boolean;
  /** Asked with the preview before anything is written; false → RowbackError('declined'). Default: yes. */
  confirm?: (preview: Preview) => Promise<boolean>;
  /** Example rows per class in the preview. Default 5. */
  samples?: number;
}

export interface UndoOptions {
  /** The restore id printed by `restore` (and in its JSON output). */
  id: string;
  /** Target URL. */
  to: string;
  stateDir?: string;
  operator?: string;
  dryRun?: boolean;
  confirm?: (preview: UndoPreview) => Promise<boolean>;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What diff shows and what restore asks confirmation for. */
export interface Preview {
  id: string;
  table: string;
  source: string;
  target: string;
  key: string[];
  columns: string[];
  policy: Policy;
  plan: PlanCounts;
  /** What the apply would write with this policy. */
  intended: AppliedCounts;
  samples: SampleRow[];
  missingParents: MissingParent[];
  warnings: string[];
}

export interface DiffReport extends Preview {
  command: 'diff';
}

export interface RestoreReport extends Preview {
  command: 'restore';
  outcome: 'applied' | 'dry-run' | 'script' | 'nothing-to-do';
  /** `direct`: the target was empty and the source streamed straight in; `staged`: merged via a staging table. */
  path: 'direct' | 'staged';
  /** What was written (zero for script / nothing-to-do; what would have been for dry-run). */
  applied: AppliedCounts;
  verification?: Verification;
  sequences: { name: string; value: string }[];
  /** Where the undo images are (applied restores only). */
  undoFile?: string;
  sqlOut?: string;
  durationMs: number;
}

export interface UndoPreview {
  id: string;
  restoreId: string;
  table: string;
  target: string;
  /** What the restore wrote, which undo reverts. */
  restored: AppliedCounts;
}

export interface UndoReport extends UndoPreview {
  command: 'undo';
  outcome: 'undone' | 'dry-run';
  applied: AppliedCounts;
  verification: Verification;
  warnings: string[];
  durationMs: number;
}
