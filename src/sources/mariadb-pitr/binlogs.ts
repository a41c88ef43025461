import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RowbackError } from '../../core/errors.js';

export interface BinlogFile {
  path: string;
  name: string;
  bytes: number;
}

/**
 * The binlog files to replay, in order: the one the backup ends in and every later one of the same
 * series (`binlog.000042`, `binlog.000043`, …). A file missing in between is named.
 */
export async function binlogsFrom(dir: string, start: string): Promise<BinlogFile[]> {
  const m = /^(.*)\.(\d+)$/.exec(start);
  if (!m)
    throw new RowbackError(
      'bad-source',
      `The backup's binlog position names "${start}", which is not a binlog file name.`,
    );
  const [, base, digits] = m as unknown as [string, string, string];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new RowbackError(
      'not-found',
      `Cannot read the binlog directory ${dir}: ${(error as NodeJS.ErrnoException).code}.`,
      {
        hint: 'Give the directory holding the server’s binlog files (log_bin_basename) with --binlog-dir.',
      },
    );
  }
  const numbers = names
    .map((name) => new RegExp(`^${escapeRegExp(base)}\\.(\\d+)$`).exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .filter((n) => n >= Number(digits))
    .sort((a, b) => a - b);
  const name = (n: number) => `${base}.${String(n).padStart(digits.length, '0')}`;
  if (numbers[0] !== Number(digits)) {
    throw new RowbackError(
      'not-found',
      `The binlog the backup ends in, ${start}, is not in ${dir}${numbers.length ? ` (the oldest there is ${name(numbers[0]!)})` : ''}.`,
      {
        hint: 'It may have been purged (expire_logs_days / binlog_expire_logs_seconds): find a copy of it, or use a newer backup.',
      },
    );
  }
  const files: BinlogFile[] = [];
  for (let at = 0; at < numbers.length; at++) {
    if (at > 0 && numbers[at] !== numbers[at - 1]! + 1) {
      throw new RowbackError(
        'not-found',
        `The binlogs in ${dir} have a gap: ${name(numbers[at - 1]! + 1)} is missing (there are ${name(numbers[at - 1]!)} and ${name(numbers[at]!)}).`,
        {
          hint: 'Put the missing file back (from another copy), or choose an --as-of before the gap with the files before it only.',
        },
      );
    }
    const path = join(dir, name(numbers[at]!));
    files.push({ path, name: name(numbers[at]!), bytes: (await stat(path)).size });
  }
  return files;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The time of the last event before `position` in `file` (UTC, ms): the backup holds every change up to
 * it, so a moment before it cannot be reached from this backup. Streams the tool's output, keeping only
 * the event headers (`#261124 10:14:59 server id 1 …`).
 */
export function lastEventBefore(binlog: string, file: string, position: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(binlog, ['--no-defaults', `--stop-position=${position}`, file], {
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last: number | undefined;
    let errors = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^#(\d{2})(\d{2})(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2}) server id/.exec(line);
      if (!m) return;
      const [yy, mo, dd, hh, mi, ss] = m.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      last = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(last);
      else
        reject(
          new RowbackError(
            'bad-source',
            `mariadb-binlog could not read ${file}: ${errors.trim() || `exit code ${code}`}`,
          ),
        );
    });
  });
}

/** `--stop-datetime` in UTC (the tool reads it in its TZ, which rowback sets to UTC). */
export function stopDatetime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
