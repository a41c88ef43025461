import type { VerifyResult } from '../engines/engine.js';
import { countText } from './count-text.js';
import { RowbackError } from './errors.js';
import type { Verification } from './plan.js';
import { formatTable, type TableSchema } from './table.js';

export interface Judged {
  verification: Verification;
  warnings: string[];
}

/** What the re-read was compared with, for messages. */
export type Expected = 'the source' | 'the pre-image';

function columnsText(columns: Record<string, number>): string {
  return Object.entries(columns)
    .map(([column, rows]) => `${column} in ${countText(rows)} row(s)`)
    .join(', ');
}

/** How a verification is judged: what was written, and what the user said about triggers. */
export interface JudgeContext {
  written: number;
  /** The user kept triggers from firing (`--disable-triggers`). */
  triggersDisabled: boolean;
  /** The user asked to keep what triggers write (`--allow-trigger-changes`). */
  triggersAllowed: boolean;
  expected: Expected;
  canDisableTriggers: boolean;
}

/** The context of a write by `target` under the user's trigger flags: every apply path judges with it. */
export function judgeContext(
  target: { engine: { capabilities: { disableTriggers: boolean } } },
  flags: { disableTriggers?: boolean; allowTriggerChanges?: boolean },
  written: number,
  expected: Expected,
): JudgeContext {
  return {
    written,
    triggersDisabled: flags.disableTriggers === true,
    triggersAllowed: flags.allowTriggerChanges === true,
    expected,
    canDisableTriggers: target.engine.capabilities.disableTriggers,
  };
}

/**
 * Judges a verification. A mismatch fails (RowbackError('verify-failed'): the caller rolls back) unless
 * the user asked to keep what triggers write and the mismatch is exactly what triggers can do to rows
 * rowback wrote: every written row still there under its key, every deleted key gone, only values
 * different. Either way the user hears about triggers that fired, and which columns they changed.
 */
export function judgeVerification(schema: TableSchema, result: VerifyResult, context: JudgeContext): Judged {
  const table = formatTable(schema.ref);
  const triggers = context.triggersDisabled ? [] : schema.triggers;
  const verification = { checked: result.checked, mismatched: result.mismatched };
  const warnings: string[] = [];
  const named = triggers.join(', ');
  if (context.written > 0 && triggers.length > 0) {
    warnings.push(
      `The triggers on ${table} (${named}) fired for the ${context.written} row(s) rowback wrote.`,
    );
  }
  if (result.mismatched === 0) return { verification, warnings };
  const onlyValues = result.absent === 0 && result.present === 0;
  if (triggers.length > 0 && onlyValues && context.triggersAllowed) {
    const keep = context.canDisableTriggers ? ' Run with --disable-triggers to keep them from firing.' : '';
    warnings.push(
      `${result.mismatched} of ${result.checked} written row(s) of ${table} differ from ${context.expected} after writing: triggers (${named}) changed ${columnsText(result.columns)}.${keep}`,
    );
    return { verification, warnings };
  }
  const what = [
    result.absent ? `${result.absent} written row(s) are not there` : '',
    result.present ? `${result.present} deleted row(s) are still there` : '',
    Object.keys(result.columns).length ? `values differ in ${columnsText(result.columns)}` : '',
  ].filter(Boolean);
  throw new RowbackError(
    'verify-failed',
    `After writing, ${result.mismatched} of ${result.checked} row(s) of ${table} do not match ${context.expected} (${what.join('; ')}); the transaction was rolled back. Nothing was written.`,
    {
      hint: failureHint(schema, triggers, onlyValues, context),
      details: { verification, ...result },
    },
  );
}

function failureHint(
  schema: TableSchema,
  triggers: string[],
  onlyValues: boolean,
  context: JudgeContext,
): string {
  if (schema.rules.length > 0)
    return `The table has rules (${schema.rules.join(', ')}). Restored rows are inserted past its INSERT rules, but updates and deletes go through its other rules, which may rewrite them: restore with --changed keep-current --extra keep (inserts only), or disable those rules for the restore (ALTER TABLE … DISABLE RULE, as the table's owner).`;
  const disable = context.canDisableTriggers ? '--disable-triggers keeps them from firing; ' : '';
  if (triggers.length > 0 && onlyValues) {
    return `Triggers (${triggers.join(', ')}) fired and may have changed the values written: ${disable}--allow-trigger-changes keeps what they wrote.`;
  }
  if (triggers.length > 0) {
    return `Triggers (${triggers.join(', ')}) kept rows from being written or deleted${context.canDisableTriggers ? '; --disable-triggers keeps them from firing' : ''}.`;
  }
  return 'Check the column definitions of source and target (a type, collation or default that rewrites values).';
}
