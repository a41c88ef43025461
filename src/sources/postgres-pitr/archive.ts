import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import { commandAs, type OsUser, runCommand } from '../../servers/os-user.js';
import type { BaseBackup } from './backup.js';
import type { ControlData } from './config.js';
import { copyCommand } from './config.js';
import { estimateSegments, listArchive, parseSegment } from './wal.js';

export interface PreparedArchive {
  /** The restore_command that copies from it. */
  command: string;
  /** Segment file names in it, sorted. */
  names: string[];
  /** About how many segments recovery replays (progress only). */
  estimate: number;
}

/** Lists a plain archive directory (archive_command's destination) and builds its restore_command. */
export async function prepareArchive(
  dir: string,
  backup: BaseBackup,
  control: ControlData,
  asOfMs: number | undefined,
): Promise<PreparedArchive> {
  const archived = await listArchive(dir, control.segmentBytes);
  const start = backup.label ? parseSegment(backup.label.startSegment, control.segmentBytes) : undefined;
  const names = archived.map((s) => s.name).sort();
  if (archived.length === 0 && !(await hasHistory(dir))) {
    throw new RowbackError('not-found', `The WAL archive ${dir} holds no WAL segments.`, {
      hint: 'Give the directory archive_command copies into; check archive_mode = on and that archiving succeeds (pg_stat_archiver).',
    });
  }
  return {
    command: copyCommand(dir),
    names,
    estimate: start ? estimateSegments(start, archived, asOfMs) : archived.length,
  };
}

async function hasHistory(dir: string): Promise<boolean> {
  return (await readdir(dir)).some((name) => name.endsWith('.history'));
}

/** The server runs as another OS user when rowback is root: that user must be able to read the archive. */
export async function checkArchiveReadable(dir: string, user: OsUser | undefined): Promise<void> {
  try {
    await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RowbackError('not-found', `Cannot read the WAL archive ${dir}: ${code}.`, {
      hint: 'Give the directory archive_command copies WAL into (--wal-archive DIR).',
    });
  }
  if (!user) return;
  const probe = await commandAs(user, '/bin/sh', [
    '-c',
    'test -r "$1" && test -x "$1" && ls "$1" >/dev/null',
    'sh',
    dir,
  ]);
  try {
    await runCommand(probe, { what: 'reading the archive', cwd: '/' });
  } catch {
    throw new RowbackError(
      'privilege',
      `The throwaway server runs as the OS user "${user.name}" (PostgreSQL refuses root), and it cannot read the WAL archive ${dir}.`,
      {
        hint: `Let it read the archive (e.g. chmod -R o+rX ${join(dir)} or a group), or run rowback as the archive's owner.`,
      },
    );
  }
}
