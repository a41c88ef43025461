import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
    found.push(match[1]!);
  }
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/**
 * The files of `front` that import a module of src/ other than the public API (src/index.ts), their own
 * folder, or one of `alsoAllowed` (folders under src/).
 */
async function reachesAround(front: string, alsoAllowed: string[] = []): Promise<string[]> {
  const allowed = [front, ...alsoAllowed].map((f) => join(SRC, f));
  const found: string[] = [];
  for (const file of await filesUnder(join(SRC, front))) {
    for (const spec of specifiers(await readFile(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // a package: node:, commander, pg …
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const ok = target === join(SRC, 'index.ts') || allowed.some((dir) => target.startsWith(`${dir}/`));
      if (!ok) found.push(`${relative(SRC, file)} imports ${spec}`);
    }
  }
  return found;
}

describe('the command line and the demo are clients of the public API', () => {
  it('src/cli imports nothing of src/ but src/index.ts (and the demo it starts)', async () => {
    expect(await reachesAround('cli', ['demo'])).toEqual([]);
  });

  it('src/demo imports nothing of src/ but src/index.ts', async () => {
    expect(await reachesAround('demo')).toEqual([]);
  });

  it('the check sees an import around the API', () => {
    expect(
      specifiers(`import { a } from '../core/x.js';\nexport { b } from "./y.js";\nawait import('../z.js');`),
    ).toEqual(['../core/x.js', './y.js', '../z.js']);
  });
});
