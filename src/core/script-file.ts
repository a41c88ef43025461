import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { RowbackError } from './errors.js';
import { PRIVATE_FILE } from './state-dir.js';

/**
 * Writes a SQL script through a temporary file renamed into place at the end, so a failed or interrupted
 * run never leaves a half script that looks complete. The script holds production rows: it is 0600.
 */
export async function writeScriptFile(
  path: string,
  produce: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { encoding: 'utf8', mode: PRIVATE_FILE });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await once(out, 'open');
    await chmod(partial, PRIVATE_FILE); // exact, whatever the umask
    await produce(write);
    out.end();
    await once(out, 'finish');
    await rename(partial, path);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    if (!(error instanceof Error) || !('syscall' in error)) throw error; // not a file problem
    const text = error.message;
    throw new RowbackError('usage', `Could not write the SQL script ${path}: ${text}`, { cause: error });
  }
}
