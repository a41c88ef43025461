import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * CPU seconds a PostgreSQL server has used so far, read from Linux's /proc: its postmaster, every process
 * it runs now, and every process it has run and reaped (a backend that ended counts in its parent's
 * `cutime`). Undefined where /proc or the data directory cannot be read.
 *
 * Wall time on a shared machine moves with whatever else runs; this is the work the server itself did.
 */
export async function serverCpuSeconds(dataDir: string): Promise<number | undefined> {
  try {
    const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
    const postmaster = Number(pidFile.split('\n')[0]);
    let ticks = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = await readStat(pid);
      if (stat && (Number(pid) === postmaster || stat.parent === postmaster)) ticks += stat.ticks;
    }
    return ticks / clockTicks();
  } catch {
    return undefined;
  }
}

/** Parent pid and CPU ticks (own and reaped children's) of one process; undefined once it has gone. */
async function readStat(pid: string): Promise<{ parent: number; ticks: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command name, in parentheses, may hold spaces: the fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
  return { parent: Number(fields[1]), ticks: utime + stime + cutime + cstime };
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}
