#!/usr/bin/env node
// `ferry`: starts the command line (cli/main.ts, bundled as one CommonJS file) through V8's code cache. A
// command line pays its start on every run, and compiling the 2 MiB bundle was a quarter of a warm copy's
// time; Node 20 has no module compile cache, so the bundle runs as a vm.Script with `cachedData`, kept in
// the user's cache directory per Node version and bundle. Without a usable cache it simply compiles. The
// launcher itself is built as CommonJS too (ferry.cjs): Node's ESM loader alone took some 10 ms of a start.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const filename = fileURLToPath(new URL('./ferry-main.cjs', import.meta.url));

/** $XDG_CACHE_HOME/ferry (or ~/.cache/ferry), one file per Node version and bundle. */
function cachePath(): string | undefined {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : undefined);
  if (!base) return undefined;
  const { size, mtimeMs } = statSync(filename);
  return join(base, 'ferry', `code-${process.version}-${size}-${Math.round(mtimeMs)}.v8`);
}

function readCache(path: string | undefined): Buffer | undefined {
  try {
    return path ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

const path = cachePath();
const cachedData = readCache(path);
// latin1: the bundle is ASCII (scripts/build-cli.mjs), so this is a one-byte string with no decoding.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(filename, 'latin1')}\n})`, {
  filename,
  ...(cachedData ? { cachedData } : {}),
});
if (path && (!cachedData || script.cachedDataRejected)) {
  // Written as the process ends, so the functions this run compiled are in it too; best effort.
  process.once('exit', () => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, script.createCachedData());
    } catch {
      // no cache this time
    }
  });
}
const module = { exports: {} as { run(): Promise<'serve' | undefined> } };
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(filename), module, filename, dirname(filename));
// `ferry serve`: the service's own bundle, imported here (code from the cache cannot import modules).
void module.exports.run().then((started) => (started === 'serve' ? import(new URL('./serve.js', import.meta.url).href) : undefined));
