import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isBaseBackup, labelTimeMs, readBaseBackup } from '../sources/postgres-pitr/backup.js';
import type { FoundBackup } from './types.js';

/**
 * The base backups under `dir`: the directory itself when it is one, else its subdirectories that are
 * (one per night: `base-2026-11-24/`), oldest first. Only backups with a backup_label (what pg_basebackup
 * writes) count: recovery needs the segment it names. Those that are not are listed in `skipped`.
 */
export async function findBaseBackups(dir: string): Promise<{ found: FoundBackup[]; skipped: string[] }> {
  const candidates = (await isBaseBackup(dir))
    ? [dir]
    : (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(dir, entry.name));
  const found: FoundBackup[] = [];
  const skipped: string[] = [];
  for (const candidate of candidates) {
    if (!(await isBaseBackup(candidate))) continue;
    const backup = await readBaseBackup(candidate).catch(() => undefined);
    if (!backup?.label) {
      skipped.push(candidate);
      continue;
    }
    found.push({
      dir: candidate,
      started: backup.label.startTime,
      startedMs: labelTimeMs(backup.label.startTime),
      startSegment: backup.label.startSegment,
    });
  }
  // By the WAL they start from: the order recovery sees them in, whatever their zones say.
  found.sort((a, b) => (a.startSegment.slice(8) < b.startSegment.slice(8) ? -1 : 1));
  return { found, skipped };
}
