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
  banner: {
    js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);",
  },
});

// CommonJS, finding package.json, the bundle and serve.js beside itself as the ESM sources do.
const commonJs = {
  ...common,
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__ferryModuleUrl' },
};
const moduleUrl = "const __ferryModuleUrl = require('node:url').pathToFileURL(__filename).href;";

// The launcher (ferry.cjs, the package's bin).
await build({ ...commonJs, entryPoints: { ferry: 'cli/ferry.ts' }, banner: { js: moduleUrl } });

// What it runs, written already inside CommonJS's function wrapper: the launcher compiles the file as it
// is, instead of first copying 2 MiB of source into a wrapped string (some 3 ms of every start).
await build({
  ...commonJs,
  entryPoints: { 'ferry-main': 'cli/main.ts' },
  banner: { js: `(function (exports, require, module, __filename, __dirname) {${moduleUrl}` },
  footer: { js: '})' },
});
