// Runs Ferry the way a user does (`npm start`: workerd through wrangler; `npm run start:node|deno|bun`)
// and stops it again.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { freePort } from './ports.js';

export type Runtime = 'workerd' | 'node' | 'deno' | 'bun';

const SCRIPTS: Record<Runtime, string[]> = {
  workerd: ['start'],
  node: ['run', '-s', 'start:node'],
  deno: ['run', '-s', 'start:deno'],
  bun: ['run', '-s', 'start:bun'],
};

/** The process that serves, told apart from npm and shells by its command line. */
const SERVER: Record<Runtime, RegExp> = {
  workerd: /workerd/,
  node: /dist\/entries\/node\.js/,
  deno: /deno.*serve/,
  bun: /bun.*entries\/bun\.ts/,
};

/**
 * Runs a start script that is expected to refuse (a bad configuration, a forbidden bind): waits for it to
 * exit, with no FERRY_CONFIG or FERRY_CONFIG_FILE but what `env` gives. null: it was still running after 90 s.
 */
export async function runUntilExit(
  runtime: Runtime,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { FERRY_CONFIG: _config, FERRY_CONFIG_FILE: _file, ...inherited } = process.env;
  const child = spawn('npm', SCRIPTS[runtime], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => (process.kill(-child.pid!, 'SIGKILL'), resolve(null)), 90_000);
    child.once('exit', (c) => (clearTimeout(timer), resolve(c)));
  });
  return { code, output };
}

/** A JSON request to a running Ferry, answered parsed (the engine tests' calls). */
export async function sendJson(ferry: FerryProcess, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${ferry.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return res.json();
}

export interface FerryProcess {
  base: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resident memory (bytes) of the process tree's workerd, or of the whole tree when there is none. */
  rssBytes(): number;
  /** CPU time (user + system, seconds) the serving process(es) used so far: workerd's, or the runtime's. */
  cpuSeconds(): number;
  stop(): Promise<void>;
  /** SIGKILL to the whole process group: no cleanup, as a crash or an OOM kill would leave it. */
  kill(): Promise<void>;
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

// /proc/<pid>/stat counts CPU in clock ticks: 100 per second on Linux.
const TICKS_PER_SECOND = 100;

function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return 0;
  }
}

function rssOf(pid: number): { command: string; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { command, rss: Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0) * 1024 };
  } catch {
    return { command: '', rss: 0 };
  }
}

export async function startFerry(
  config: unknown,
  env: Record<string, string> = {},
  stateDir?: string,
  runtime: Runtime = 'workerd',
): Promise<FerryProcess> {
  // A port the test names (the README's 8787), else a free one.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  let output = '';
  const child = spawn('npm', SCRIPTS[runtime], {
    // config undefined: none in the environment (the runtime's local default, or FERRY_CONFIG_FILE).
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      ...(config === undefined ? {} : { FERRY_CONFIG: JSON.stringify(config) }),
      ...(stateDir ? { FERRY_STATE_DIR: stateDir } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const deadline = Date.now() + 60_000;
  while (!output.includes('ferry listening')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      throw new Error(`${runtime} did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    rssBytes() {
      const tree = descendants(child.pid!).map(rssOf);
      const servers = tree.filter((p) => SERVER[runtime].test(p.command));
      return (servers.length ? servers : tree).reduce((sum, p) => sum + p.rss, 0);
    },
    cpuSeconds() {
      const tree = descendants(child.pid!);
      const servers = tree.filter((p) => SERVER[runtime].test(rssOf(p).command));
      return (servers.length ? servers : tree).reduce((sum, p) => sum + cpuOf(p), 0);
    },
    async kill() {
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid, 'SIGTERM');
      const exited = new Promise((r) => child.once('exit', r));
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
    },
  };
}
