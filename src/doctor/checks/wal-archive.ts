import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArchivedSegment,
  listArchive,
  parseSegment,
  segmentName,
} from '../../sources/postgres-pitr/wal.js';
import { ago } from '../ages.js';
import type { Check, DoctorContext, FoundBackup } from '../types.js';

/** With no server to ask whether archiving still runs: a newest segment older than this is suspicious. */
const QUIET_SECONDS = 86400;

/**
 * The WAL archive under `--wal-archive`: the oldest segment kept (the oldest base backup it can still
 * recover from), a gap (named: recovery stops there), and, when the server is not asked, how old the
 * newest segment is. Together with the base backups found, the oldest moment that can be recovered.
 */
export const walArchive: Check = {
  id: 'wal-archive',
  applies: (c) => c.walArchive !== undefined,
  async run(c) {
    const dir = c.walArchive!;
    const segmentBytes = await segmentSize(c, dir);
    const segments = await listArchive(dir, segmentBytes);
    const oldest = segments[0];
    const newest = segments.at(-1);
    if (!oldest || !newest) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the WAL archive ${dir} holds no WAL segment`,
        fix: 'point archive_command at it and check pg_stat_archiver for failures',
      };
    }
    c.facts.oldestWal = oldest.name;
    c.facts.newestWal = newest.name;
    const gaps = missing(segments, segmentBytes);
    const backups = c.facts.baseBackups ?? [];
    const kept = `${segments.length} segment(s) from ${oldest.name} to ${newest.name}`;
    const usable = backups.filter((b) => recoverable(b, [oldest, newest], gaps, segmentBytes));
    const from = usable[0];
    if (from?.startedMs !== undefined) c.facts.oldestCovered = Math.floor(from.startedMs / 1000);
    const newestBackup = backups.at(-1);
    if (gaps.length && (!newestBackup || !usable.includes(newestBackup))) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the archive has a gap: ${gaps.slice(0, 3).join(', ')}${gaps.length > 3 ? ` and ${gaps.length - 3} more` : ''} missing (${kept}); recovery stops before it`,
        fix: 'take a new base backup now: moments after the gap can only be recovered from a backup that starts after it',
      };
    }
    if (
      newestBackup &&
      !usable.includes(newestBackup) &&
      newestBackup.startSegment.slice(8) > newest.name.slice(8)
    ) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the newest base backup (${newestBackup.dir}) starts at ${newestBackup.startSegment}, after the newest archived segment ${newest.name}: archiving has stopped or is not going to ${dir}`,
        fix: 'check archive_command and pg_stat_archiver on the server',
      };
    }
    if (newestBackup && !usable.includes(newestBackup)) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the archive starts at ${oldest.name}, after ${newestBackup.startSegment} where the newest base backup (${newestBackup.dir}) starts: it cannot be recovered past its end`,
        fix: 'keep WAL at least back to the oldest base backup you keep (archive cleanup must follow backup expiry: pg_archivecleanup <archive> <the oldest backup’s .backup file>)',
      };
    }
    const since = from ? `; recoverable from ${from.started} (the base backup ${from.dir}) on` : '';
    const lost = gaps.length ? `; a gap at ${gaps[0]} leaves older backups unusable past it` : '';
    const age = (c.now - newest.mtimeMs) / 1000;
    const last = c.facts.archiver?.lastArchivedWal;
    if (last && last.slice(8) > newest.name.slice(8)) {
      return {
        id: this.id,
        status: 'warn',
        summary: `the server last archived ${last}, which is not in ${dir} (its newest is ${newest.name}): is this the directory archive_command writes to?`,
      };
    }
    if (c.engine === 'files' && age > QUIET_SECONDS) {
      return {
        id: this.id,
        status: 'warn',
        summary: `the newest segment, ${newest.name}, was archived ${ago(age)} (${kept}): is archiving still running?`,
        fix: 'check pg_stat_archiver on the server (or run rowback doctor postgres://… --wal-archive …)',
      };
    }
    return {
      id: this.id,
      status: gaps.length ? 'warn' : 'ok',
      summary: `the archive holds ${kept}, the newest archived ${ago(age)}${since}${lost}`,
    };
  },
};

/** The server's wal_segment_size; without a server, the size of a segment file (all are the same). */
async function segmentSize(c: DoctorContext, dir: string): Promise<number> {
  const setting = Number(c.variables.get('wal_segment_size'));
  if (setting > 0) return setting;
  for (const name of await readdir(dir)) {
    if (!/^[0-9A-F]{24}$/.test(name)) continue;
    const size = (await stat(join(dir, name))).size;
    // A power of two between 1 MiB and 1 GiB, as initdb allows; anything else is not a whole segment.
    if (size >= 1 << 20 && size <= 1 << 30 && (size & (size - 1)) === 0) return size;
  }
  return 16 * 1024 * 1024;
}

/** Segment names absent between the oldest and the newest (a new timeline continues the old one's count). */
function missing(segments: ArchivedSegment[], segmentBytes: number): string[] {
  const names: string[] = [];
  const byIndex = new Map<number, ArchivedSegment>();
  for (const s of segments) byIndex.set(s.index, s);
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  for (let i = 1; i < indexes.length; i++) {
    const before = byIndex.get(indexes[i - 1]!)!;
    for (let index = indexes[i - 1]! + 1; index < indexes[i]! && names.length < 100; index++) {
      names.push(segmentName(before.timeline, index, segmentBytes));
    }
  }
  return names;
}

/** A backup recovers to the newest segment when the archive holds its start and no gap follows it. */
function recoverable(
  backup: FoundBackup,
  [oldest, newest]: [ArchivedSegment, ArchivedSegment],
  gaps: string[],
  segmentBytes: number,
): boolean {
  const start = parseSegment(backup.startSegment, segmentBytes);
  if (!start || start.index < oldest.index || start.index > newest.index) return false;
  return gaps.every((gap) => (parseSegment(gap, segmentBytes)?.index ?? 0) < start.index);
}
