import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsUser } from './os-user.js';

/** Writes `files` into the data directory, owned by the server's user, 0600 (PostgreSQL checks key modes; MariaDB reads them as its user). */
export async function writeServerFiles(
  dataDir: string,
  user: OsUser | undefined,
  files: Record<string, string> = {},
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dataDir, name);
    await writeFile(path, content, { mode: 0o600 });
    if (user) await chown(path, user.uid, user.gid);
  }
}
