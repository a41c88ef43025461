import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../harness/index.js';
import { accounts, accountTable as table } from './support.js';

const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');

/** Every directory and file under `dir`, with its mode, relative to `dir`. */
async function modes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { '.': await mode(dir) };
  for (const entry of await readdir(dir, { recursive: true })) out[entry] = await mode(join(dir, entry));
  return out;
}

describe('the state directory: undo files and the audit log', () => {
  it('are kept in $XDG_STATE_HOME/rowback, private (0700 dirs, 0600 files) even under umask 000', async () => {
    const { target, args } = await accounts();
    const xdg = await tempDir();
    const result = await runCli(['restore', ...args, '--yes', '--json'], {
      env: { XDG_STATE_HOME: xdg },
      umask: '000',
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { id: string; undoFile: string };
    const state = join(xdg, 'rowback');
    expect(report.undoFile).toBe(join(state, 'undo', report.id));
    expect(result.stderr).toContain(`Undo file: ${report.undoFile}`);
    expect(await modes(state)).toEqual({
      '.': '0700',
      'audit.jsonl': '0600',
      undo: '0700',
      [`undo/${report.id}`]: '0700',
      [`undo/${report.id}/meta.json`]: '0600',
      [`undo/${report.id}/before.rows`]: '0600',
      [`undo/${report.id}/after.rows`]: '0600',
    });
    expect(await table(target)).toBe('1\tone\n2\ttwo\n3\tthree\n9\tnine\n');
  });

  it('writes a --sql-out script private too (0600), since it holds production rows', async () => {
    const { args } = await accounts();
    const dir = await tempDir();
    const result = await runCli(['restore', ...args, '--sql-out', 'plan.sql'], { cwd: dir, umask: '000' });
    expect(result.code).toBe(0);
    expect(await mode(join(dir, 'plan.sql'))).toBe('0600');
    // The plan it wrote is shown, as a confirmed restore shows it.
    expect(result.stderr).toContain('missing             2  in the source, gone from the target  → insert');
  });

  it('default to ~/.local/state/rowback without XDG_STATE_HOME, and undo finds them from any directory', async () => {
    const { target, args } = await accounts();
    const home = await tempDir();
    const env = { HOME: home, XDG_STATE_HOME: '' };
    const restored = await runCli(['restore', ...args, '--yes', '--json'], { env, cwd: await tempDir() });
    expect(restored.code).toBe(0);
    const { id, undoFile } = JSON.parse(restored.stdout) as { id: string; undoFile: string };
    expect(undoFile).toBe(join(home, '.local', 'state', 'rowback', 'undo', id));
    expect(await mode(join(home, '.local', 'state', 'rowback'))).toBe('0700');

    const undone = await runCli(['undo', id, '--to', target.url, '--yes'], { env, cwd: await tempDir() });
    expect(undone.code).toBe(0);
    expect(undone.stderr).not.toContain('Found the undo file');
    expect(undone.stdout).toContain(`Undid restore ${id} on public.account: 2 deleted`);
    expect(await table(target)).toBe('1\tone\n9\tnine\n');
    const audit = (await readFile(join(home, '.local', 'state', 'rowback', 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { command: string; outcome: string });
    expect(audit.map((r) => `${r.command} ${r.outcome}`)).toEqual(['restore applied', 'undo undone']);
  });

  it('still finds an undo file an earlier version left in ./.rowback, says so, and makes it private', async () => {
    const { target, args } = await accounts();
    const cwd = await tempDir();
    // What rowback 0.1 left: ./.rowback relative to where it ran, readable by everyone.
    const restored = await runCli(['restore', ...args, '--yes', '--json', '--state-dir', '.rowback'], {
      cwd,
      umask: '022',
    });
    expect(restored.code).toBe(0);
    const { id } = JSON.parse(restored.stdout) as { id: string };
    const legacy = join(cwd, '.rowback');
    await chmod(legacy, 0o755);
    await chmod(join(legacy, 'undo', id), 0o755);
    await chmod(join(legacy, 'undo', id, 'before.rows'), 0o644);

    const xdg = await tempDir();
    const undone = await runCli(['undo', id, '--to', target.url, '--yes', '--json'], {
      cwd,
      env: { XDG_STATE_HOME: xdg },
    });
    expect(undone.code).toBe(0);
    const found = `Found the undo file of ${id} in ${legacy}, where earlier versions of rowback kept state; new undo files and the audit log go to ${join(xdg, 'rowback')}.`;
    expect((JSON.parse(undone.stdout).warnings as string[]).slice(0, 3)).toEqual([
      found,
      `Made ${legacy} private (mode 0755 → 0700): it holds production rows.`,
      `Made ${join(legacy, 'undo', id)} private (mode 0755 → 0700): it holds production rows.`,
    ]);
    // Said once, before the question, not again after the outcome.
    expect(undone.stderr.split(found).length).toBe(2);
    expect(await table(target)).toBe('1\tone\n9\tnine\n');
    expect(await mode(legacy)).toBe('0700');
    expect(await mode(join(xdg, 'rowback', 'audit.jsonl'))).toBe('0600');
  });

  it('makes an existing state directory and audit log that others can read private, and says so', async () => {
    const { args } = await accounts();
    const state = join(await tempDir(), 'shared-state');
    await mkdir(state, { mode: 0o755 });
    await chmod(state, 0o755);
    const restored = await runCli(['restore', ...args, '--dry-run', '--json', '--state-dir', state]);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).warnings).toContain(
      `Made ${state} private (mode 0755 → 0700): it holds production rows.`,
    );
    await chmod(join(state, 'audit.jsonl'), 0o644);
    const diffed = await runCli(['diff', ...args, '--state-dir', state]);
    expect(diffed.code).toBe(0);
    expect(await modes(state)).toEqual({ '.': '0700', 'audit.jsonl': '0600' });
  });
});
