// Bundles the command line (tsc's output in dist/) into dist/bin/rowback.js and the chunks it loads on
// demand: Node starts a few large modules much faster than hundreds of small ones (about 70 ms of every
// command, measured on `rowback restore`). Packages stay external; the library (dist/index.js) is not
// bundled.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { rowback: 'dist/cli/main.js' },
  outdir: 'dist/bin',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
