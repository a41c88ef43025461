/**
 * rowback's library API. The CLI is a thin client of these functions.
 */
export { diff } from './core/diff.js';
export { type ErrorCode, EXIT_CODES, RowbackError } from './core/errors.js';
export type * from './core/options.js';
export type * from './core/plan.js';
export { redactUrl } from './core/redact.js';
export { restore } from './core/restore.js';
export type * from './core/table.js';
export { undo } from './core/undo.js';
