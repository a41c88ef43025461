import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, openPrivate, resolveStateDir } from '../core/state-dir.js';

/**
 * The console's history across sessions: `<state-dir>/sql_history`, one statement a line, private (0600)
 * like everything in the state dir. Statements that carry a password (`ALTER USER … PASSWORD '…'`,
 * `IDENTIFIED BY`) are never written; the URL never is.
 */
const FILE = 'sql_history';
const KEPT = 500;
const SECRET = /\b(password|identified\s+by)\b/i;

/** The statements of earlier sessions, newest first (as node:readline's `history` option wants them). */
export async function loadHistory(stateDir?: string): Promise<string[]> {
  try {
    const text = await readFile(join(resolveStateDir(stateDir), FILE), 'utf8');
    return text.split('\n').filter(Boolean).slice(-KEPT).reverse();
  } catch {
    return [];
  }
}

/** Appends one statement (its lines joined by spaces). */
export async function saveHistory(stateDir: string | undefined, statement: string): Promise<void> {
  const line = statement.replace(/\s*\n\s*/g, ' ').trim();
  if (!line || SECRET.test(line)) return;
  const dir = resolveStateDir(stateDir);
  await ensurePrivateDir(dir);
  const file = await openPrivate(join(dir, FILE), 'a');
  try {
    await file.appendFile(`${line}\n`, 'utf8');
  } finally {
    await file.close();
  }
}
