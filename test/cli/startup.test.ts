import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT } from '../harness/cli.js';

const run = promisify(execFile);

/** A module hook that prints, on stderr, every package the process resolves, once each. */
const HOOK = `
const seen = new Set();
export async function resolve(spec, context, next) {
  const resolved = await next(spec, context);
  const found = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
  if (found && !seen.has(found[1])) {
    seen.add(found[1]);
    process.stderr.write('package ' + found[1] + '\\n');
  }
  return resolved;
}`;

const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

/** The packages `node …args` loads (in the repository), in the order it first loads them. */
async function packagesLoaded(args: string[]): Promise<string[]> {
  const { stderr } = await run(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, ...args],
    { cwd: REPO_ROOT, timeout: 60_000 },
  );
  return [...stderr.matchAll(/^package (\S+)$/gm)].map((m) => m[1]!);
}

/**
 * Every command starts by importing the whole public API: database drivers, the SQL parser (WASM), the
 * cloud SDK and the schema checker load only when a command gets to the step that needs them.
 */
describe('starting the command line', () => {
  it('loads no database driver, parser, cloud SDK or schema library for --version', async () => {
    expect(await packagesLoaded([CLI_PATH, '--version'])).toEqual(['commander', 'cli-progress']);
  });

  it('the hook sees a driver when one is loaded', async () => {
    const loaded = await packagesLoaded(['--input-type=module', '-e', "await import('pg')"]);
    expect(loaded).toContain('pg');
  });
});
