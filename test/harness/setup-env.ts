import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot } from './workers.js';

// Library calls without a stateDir, and CLI runs without --state-dir, keep undo files and audit records in
// the per-user state directory: point it into the run's temp root, never the developer's own.
process.env.XDG_STATE_HOME = mkdtempSync(join(tempRoot(), 'state-'));
