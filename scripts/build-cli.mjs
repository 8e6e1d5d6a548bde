// Builds the `ferry` executable: one bundled file (esbuild) instead of some hundred modules, because a
// command line pays its start on every run (about half the time of a warm copy before this). `serve`
// gets a bundle of its own, so the command line never loads the server's SQLite.

import { build } from 'esbuild';

await build({
  entryPoints: { ferry: 'cli/ferry.ts', serve: 'entries/node.ts' },
  outdir: 'dist/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  // Bundled CommonJS dependencies may require() Node's modules: give them one.
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  logLevel: 'warning',
});
