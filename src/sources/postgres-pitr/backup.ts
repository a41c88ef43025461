import { access, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RowbackError } from '../../core/errors.js';

/** What rowback reads of a `pg_basebackup` plain-format directory, without touching it. */
export interface BaseBackup {
  dir: string;
  major: number;
  /** From backup_label; absent for a copy of a cleanly stopped server. */
  label?: {
    startSegment: string;
    startTimeline: number;
    /** As written (`2026-11-24 10:00:01 UTC`): the server's log zone. */
    startTime: string;
  };
}

/** True when `dir` looks like a PostgreSQL data directory or base backup (PG_VERSION + global/pg_control). */
export async function isBaseBackup(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'PG_VERSION'));
    await access(join(dir, 'global', 'pg_control'));
    return true;
  } catch {
    return false;
  }
}

/** Reads PG_VERSION and backup_label; refuses what cannot be a base backup, saying what it is instead. */
export async function readBaseBackup(path: string): Promise<BaseBackup> {
  const dir = resolve(path);
  await refuseOtherShapes(dir);
  const version = (await readFile(join(dir, 'PG_VERSION'), 'utf8')).trim();
  const major = Number.parseInt(version, 10);
  if (!Number.isInteger(major) || major < 12) {
    throw new RowbackError(
      'unsupported',
      `${path} is a PostgreSQL ${version} backup; rowback recovers backups of PostgreSQL 12 and later.`,
      {
        hint: 'Restore it by hand with that version’s recovery.conf, then give rowback a postgres:// URL to it.',
      },
    );
  }
  if (await exists(join(dir, 'postmaster.pid'))) {
    throw new RowbackError(
      'usage',
      `${path} holds postmaster.pid: it is (or was) the data directory of a running server, not a base backup.`,
      {
        hint: 'Give a pg_basebackup directory (pg_basebackup -D DIR -Fp), or a postgres:// URL to a running server.',
      },
    );
  }
  const label = await readLabel(join(dir, 'backup_label'));
  return { dir, major, ...(label ? { label } : {}) };
}

async function readLabel(file: string): Promise<BaseBackup['label']> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const segment = /\(file ([0-9A-F]{24})\)/.exec(field('START WAL LOCATION') ?? '')?.[1];
  if (!segment) return undefined;
  return {
    startSegment: segment,
    startTimeline: Number(field('START TIMELINE') ?? Number.parseInt(segment.slice(0, 8), 16)),
    startTime: field('START TIME') ?? 'unknown',
  };
}

/** A tar-format backup or a directory of something else gets a message saying what to do. */
async function refuseOtherShapes(dir: string): Promise<void> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    names = await readdir(dir);
  } catch {
    throw new RowbackError('not-found', `${dir} is not a directory rowback can read.`);
  }
  if (names.some((name) => /^base\.tar(\.(gz|lz4|zst))?$/.test(name))) {
    throw new RowbackError(
      'unsupported',
      `${dir} is a tar-format base backup (base.tar); rowback reads plain-format ones.`,
      {
        hint: 'Extract it into an empty directory first: mkdir plain && tar -xf base.tar -C plain && tar -xf pg_wal.tar -C plain/pg_wal',
      },
    );
  }
  if (!names.includes('PG_VERSION') || !(await exists(join(dir, 'global', 'pg_control')))) {
    throw new RowbackError(
      'usage',
      `${dir} is not a PostgreSQL base backup (no PG_VERSION and global/pg_control).`,
      { hint: 'Give the directory pg_basebackup -D wrote (plain format).' },
    );
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The backup's own configuration and recovery state files, which the copy replaces or drops. */
export const UNTRUSTED_FILES = new Set([
  'postgresql.conf',
  'postgresql.auto.conf',
  'pg_hba.conf',
  'pg_ident.conf',
  'postmaster.pid',
  'postmaster.opts',
  'recovery.signal',
  'standby.signal',
  'recovery.conf',
]);

/** backup_label's `2026-11-24 10:00:01 UTC` (or GMT, or a numeric offset); undefined for zone names. */
export function labelTimeMs(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/.exec(text);
  if (!m) return undefined;
  const zone = m[3] === 'UTC' || m[3] === 'GMT' ? 'Z' : m[3]!.length === 3 ? `${m[3]}:00` : m[3]!;
  const ms = Date.parse(
    `${m[1]}T${m[2]}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
  );
  return Number.isNaN(ms) ? undefined : ms;
}
