import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT } from '../harness/cli.js';

const run = promisify(execFile);

/**
 * A module hook that appends every package the process resolves, once each, to the file named by
 * ROWBACK_TEST_PACKAGES_LOG. It writes synchronously: the hook runs on its own thread, whose stderr reaches
 * the process through the main thread and is lost when the command ends with process.exit.
 */
const HOOK = `
import { appendFileSync } from 'node:fs';
const seen = new Set();
export async function resolve(spec, context, next) {
  const resolved = await next(spec, context);
  const found = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
  if (found && !seen.has(found[1])) {
    seen.add(found[1]);
    appendFileSync(process.env.ROWBACK_TEST_PACKAGES_LOG, 'package ' + found[1] + '\\n');
  }
  return resolved;
}`;

const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

/** The packages `node …args` loads (in the repository), in the order it first loads them. */
async function packagesLoaded(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-startup-'));
  const log = join(dir, 'packages.log');
  try {
    await run(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, ...args],
      {
        cwd: REPO_ROOT,
        timeout: 60_000,
        env: { ...process.env, ROWBACK_TEST_PACKAGES_LOG: log },
      },
    );
    const written = await readFile(log, 'utf8').catch(() => '');
    return [...written.matchAll(/^package (\S+)$/gm)].map((m) => m[1]!);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every command starts by importing the whole public API: database drivers, the SQL parser (WASM), the
 * cloud SDK, the schema checker and the progress bar load only when a command gets to the step that needs them.
 */
describe('starting the command line', () => {
  it('loads no database driver, parser, cloud SDK, schema library or progress bar for --version', async () => {
    expect(await packagesLoaded([CLI_PATH, '--version'])).toEqual(['commander']);
  });

  it('the hook sees a driver when one is loaded', async () => {
    const loaded = await packagesLoaded(['--input-type=module', '-e', "await import('pg')"]);
    expect(loaded).toContain('pg');
  });
});
