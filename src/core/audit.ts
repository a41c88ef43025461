import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { redactSecrets } from './redact.js';

/** One line of `.rowback/audit.jsonl`: who did what to which table, with what outcome. Never a secret. */
export interface AuditRecord {
  time: string;
  command: 'diff' | 'restore' | 'undo';
  id: string;
  operator: string;
  table: string;
  target: string;
  source?: string;
  restoreId?: string;
  policy?: { changed: string; extra: string };
  where?: string;
  plan?: { missing: number; changed: number; extra: number; same: number };
  applied?: { inserted: number; updated: number; deleted: number };
  outcome: string;
  error?: { code: string; message: string };
  durationMs: number;
}

export function defaultOperator(): string {
  try {
    return process.env.ROWBACK_OPERATOR || userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Appends one record; the file is the team's log of every diff, restore and undo. */
export async function appendAudit(stateDir: string, record: AuditRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await appendFile(join(stateDir, 'audit.jsonl'), `${redactSecrets(JSON.stringify(record))}\n`, 'utf8');
}
