/**
 * rowback's library API. The CLI is a thin client of these functions.
 */
export { diff } from './core/diff.js';
export { restore } from './core/restore.js';
export { undo } from './core/undo.js';
export { RowbackError, EXIT_CODES, type ErrorCode } from './core/errors.js';
export { redactUrl } from './core/redact.js';
export type * from './core/options.js';
export type * from './core/plan.js';
export type * from './core/table.js';
