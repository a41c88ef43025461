import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RowbackError } from '../../core/errors.js';

/**
 * WAL segment names: 24 hex digits, timeline + log + segment (`000000010000000A000000FF`). With the
 * default 16 MiB segments, a log holds 0x100 segments; the segment size is read from the control file.
 */
export interface Segment {
  timeline: number;
  /** Position in the WAL stream: log * segmentsPerLog + seg. */
  index: number;
  name: string;
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;

export function parseSegment(name: string, segmentBytes: number): Segment | undefined {
  const m = SEGMENT.exec(name);
  if (!m) return undefined;
  const perLog = 0x1_0000_0000 / segmentBytes;
  return {
    timeline: Number.parseInt(m[1]!, 16),
    index: Number.parseInt(m[2]!, 16) * perLog + Number.parseInt(m[3]!, 16),
    name,
  };
}

export function segmentName(timeline: number, index: number, segmentBytes: number): string {
  const perLog = 0x1_0000_0000 / segmentBytes;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(Math.floor(index / perLog))}${hex(index % perLog)}`;
}

export interface ArchivedSegment extends Segment {
  /** When the file was written into the archive: close to when its last record was. */
  mtimeMs: number;
}

/** The segments in an archive directory (compressed or partial files are not segments PostgreSQL reads). */
export async function listArchive(dir: string, segmentBytes: number): Promise<ArchivedSegment[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RowbackError('not-found', `Cannot read the WAL archive ${dir}: ${code}.`, {
      hint: 'Give the directory archive_command copies WAL into (--wal-archive DIR), or --restore-command for a backup tool.',
    });
  }
  const segments: ArchivedSegment[] = [];
  for (const name of names) {
    const segment = parseSegment(name, segmentBytes);
    if (!segment) continue;
    segments.push({ ...segment, mtimeMs: (await stat(join(dir, name))).mtimeMs });
  }
  return segments.sort((a, b) => a.timeline - b.timeline || a.index - b.index);
}

/**
 * About how many segments recovery replays to reach `asOfMs`: those archived before it, plus the one
 * being written at that moment. A guess from file times, for progress only.
 */
export function estimateSegments(
  start: Segment,
  archived: ArchivedSegment[],
  asOfMs: number | undefined,
): number {
  const after = archived.filter((s) => s.timeline >= start.timeline && s.index >= start.index);
  if (asOfMs === undefined) return Math.max(1, after.filter((s) => s.index === start.index).length);
  const before = after.filter((s) => s.mtimeMs <= asOfMs).length;
  return Math.max(1, Math.min(after.length, before + 1));
}
