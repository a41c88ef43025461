import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RowbackError } from '../../src/core/errors.js';
import { serviceUser } from '../../src/servers/os-user.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;

describe('the OS user a server runs as', () => {
  it('is the current user when not root, else the named account, created on request when missing', async () => {
    const name = `rb${randomBytes(4).toString('hex')}`;
    if (!isRoot) {
      // PostgreSQL and MariaDB then simply run as whoever runs rowback
      expect(await serviceUser(name, 'PostgreSQL', { create: true })).toBeUndefined();
      return;
    }
    const refused = await serviceUser(name, 'PostgreSQL').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RowbackError);
    expect((refused as RowbackError).message).toBe(
      `PostgreSQL cannot run as root, and there is no "${name}" OS user to run it as.`,
    );
    try {
      const made = await serviceUser(name, 'PostgreSQL', { create: true });
      const uid = Number((await exec('id', ['-u', name])).stdout.trim());
      expect(made).toEqual({ name, uid, gid: Number((await exec('id', ['-g', name])).stdout.trim()) });
      expect(uid).toBeGreaterThan(0);
    } finally {
      await exec('userdel', [name]).catch(() => {});
      await exec('groupdel', [name]).catch(() => {});
    }
  });
});
