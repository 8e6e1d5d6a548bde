#!/usr/bin/env node
// `ferry`: starts the command line (cli/main.ts, bundled as one CommonJS file) through V8's code cache. A
// command line pays its start on every run, and compiling the 2 MiB bundle was a quarter of a warm copy's
// time; Node 20 has no module compile cache, so the bundle runs as a vm.Script with `cachedData`, kept in
// the user's cache directory per Node version and bundle. Without a usable cache it simply compiles. The
// launcher itself is built as CommonJS too (ferry.cjs): Node's ESM loader alone took some 10 ms of a start.

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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

// Caches of builds replaced since go once a month old (one written 31 days ago by a build still in use is
// simply written again; a cache shared by two installs is not fought over).
const STALE_CACHE_MS = 30 * 24 * 3600 * 1000;

function writeCache(path: string, data: Buffer): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, data);
  for (const name of readdirSync(dir)) {
    const other = join(dir, name);
    if (/^code-.*\.v8$/.test(name) && name !== basename(path) && Date.now() - statSync(other).mtimeMs > STALE_CACHE_MS)
      rmSync(other, { force: true });
  }
}

function readCache(path: string | undefined): Buffer | undefined {
  try {
    return path ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

// Only a short run writes the cache. By the end of a long copy its garbage collections have dropped the
// bytecode of the start's functions (V8 flushes what has not run for a few collections): a first run
// copying 2 GiB left a cache of 580 KB instead of 950 KB, and every later start was some 70 ms slower.
// (Keeping bytecode with --no-flush-bytecode costs more: V8 then refuses Node's own built-in code cache.)
const SHORT_RUN_MS = 2000;
const started = performance.now();
const path = cachePath();
const cachedData = readCache(path);
// The bundle is built inside CommonJS's function wrapper (scripts/build-cli.mjs).
const script = new vm.Script(readFileSync(filename, 'utf8'), {
  filename,
  ...(cachedData ? { cachedData } : {}),
});
if (path && (!cachedData || script.cachedDataRejected)) {
  // Written as the process ends, so the functions this run compiled are in it too; best effort.
  process.once('exit', () => {
    if (performance.now() - started > SHORT_RUN_MS) return; // a later, short run writes it
    try {
      writeCache(path, script.createCachedData());
    } catch {
      // no cache this time
    }
  });
}
const module = { exports: {} as { run(): Promise<'serve' | undefined> } };
(script.runInThisContext() as (...args: unknown[]) => void)(
  module.exports,
  createRequire(filename),
  module,
  filename,
  dirname(filename),
);
// `ferry serve`: the service's own bundle, imported here (code from the cache cannot import modules).
void module.exports
  .run()
  .then((started) => (started === 'serve' ? import(new URL('./serve.js', import.meta.url).href) : undefined));
