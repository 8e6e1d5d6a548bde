// Builds the `ferry` executable. The command line is one bundled file (esbuild) instead of some hundred
// modules, because a command line pays its start on every run: cli/main.ts as CommonJS (ferry-main.cjs),
// which the small launcher (cli/ferry.ts, CommonJS too) runs through V8's code cache. `serve` gets a
// bundle of its own, so the command line never loads the server's SQLite.

import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', external: ['better-sqlite3'], logLevel: 'warning' };

await build({
  ...common,
  entryPoints: { serve: 'entries/node.ts' },
  outdir: 'dist/cli',
  format: 'esm',
  // Bundled CommonJS dependencies may require() Node's modules: give them one.
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
});

await build({
  ...common,
  // The launcher (ferry.cjs, the package's bin) and what it runs.
  entryPoints: { ferry: 'cli/ferry.ts', 'ferry-main': 'cli/main.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // The code finds package.json, the bundle and serve.js beside itself, as in the ESM sources.
  define: { 'import.meta.url': '__ferryModuleUrl' },
  banner: { js: "const __ferryModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
