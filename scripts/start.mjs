// `npm start`: runs worker.ts on local workerd through wrangler, with the devtools inspector off
// (the `wrangler dev` CLI always attaches it, and it breaks on large streamed bodies) and local KV on disk.
import { readFileSync } from 'node:fs';
import { unstable_startWorker } from 'wrangler';

process.env.WRANGLER_SEND_METRICS ??= 'false';
// Miniflare otherwise fetches a sample Request.cf object from the internet at start.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
const port = Number(process.env.PORT ?? 8787);
const hostname = process.env.HOST ?? '127.0.0.1';
const persistTo = process.env.FERRY_STATE_DIR ?? '.wrangler/state';

/** Names the config refers to as {"secret": "NAME"}: passed to the worker from this environment. */
function secretNames(value, names = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => secretNames(v, names));
  else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'secret' && typeof value.secret === 'string') names.add(value.secret);
    else Object.values(value).forEach((v) => secretNames(v, names));
  }
  return names;
}

// Without FERRY_CONFIG the worker uses its local default (src/config/local-default.ts): only a local run says so.
// As isLoopbackHostname in src/http/anonymous-guard.ts (this script runs before anything is compiled).
const LOOPBACK_HOST = /^(localhost|[^.]+\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\])$/i;

/** Anonymous callers have every grant: served on a non-loopback address only when the config says so. */
function refuseAnonymousBind(configText) {
  let callers = { anonymous: true };
  try {
    if (configText) callers = JSON.parse(configText)?.callers ?? {};
  } catch {
    return; // the worker reports a bad configuration itself
  }
  if (callers.anonymous === true && !callers.anonymousBeyondLoopback && !LOOPBACK_HOST.test(hostname)) {
    console.error(
      `refusing to start: anonymous callers (every grant) on ${hostname}, which is not a loopback address. Bind to 127.0.0.1, configure callers, or set callers.anonymousBeyondLoopback.`,
    );
    process.exit(2);
  }
}
/** FERRY_CONFIG, else the file FERRY_CONFIG_FILE names (as the Node, Deno and Bun entries read it). */
function readConfigText() {
  if (process.env.FERRY_CONFIG !== undefined) return process.env.FERRY_CONFIG;
  const file = process.env.FERRY_CONFIG_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`FERRY_CONFIG_FILE: cannot read ${file}: ${error.message}`);
    process.exit(2);
  }
}
const configText = readConfigText();
refuseAnonymousBind(configText);

const bindings = { FERRY_LOCAL_DEFAULT: { type: 'plain_text', value: 'loopback' } };
if (configText !== undefined) {
  let parsed = {};
  try {
    parsed = JSON.parse(configText);
  } catch {
    // the worker says so, with the other problems, when it is probed below
  }
  bindings.FERRY_CONFIG = { type: 'plain_text', value: configText };
  for (const name of secretNames(parsed)) {
    if (process.env[name] !== undefined) bindings[name] = { type: 'secret_text', value: process.env[name] };
  }
}

// workerd reports a socket whose peer closed its side (a client that went away mid-stream, a registry
// that hung up once it had what it needed) as an error with a native stack, through wrangler's logger:
// "kj::getCaughtExceptionAsKj() = kj/async-io-unix.c++:…: disconnected: ::write(fd, …): Broken pipe".
// Nothing failed there: what such a hang-up breaks surfaces as Ferry's own error (its JSON log line, a
// failed copy or job). Only these lines are dropped; every other message prints.
const PEER_HUNG_UP =
  /kj::getCaughtExceptionAsKj\(\) = kj\/async-io-unix\.c\+\+:\d+: disconnected: ::(write|read)\(fd, .*?\): (Broken pipe|Connection reset by peer)/;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => (PEER_HUNG_UP.test(String(chunk)) ? true : write(chunk, ...rest));
}

const worker = await unstable_startWorker({
  config: new URL('../wrangler.toml', import.meta.url).pathname,
  bindings,
  dev: {
    remote: false,
    inspector: false,
    watch: false,
    persist: persistTo,
    server: { hostname, port },
    logLevel: 'warn',
  },
});
await worker.ready;
const url = await worker.url;

// The worker checks its configuration itself (one schema, src/config/schema.ts): ask it before saying
// that anything listens. An invalid configuration answers /healthz 503 with every problem.
const probe = await fetch(new URL('/healthz', url)).catch((error) => ({ status: 0, error }));
if (probe.status !== 200) {
  const body = probe.json ? await probe.json().catch(() => ({})) : {};
  if (body.code === 'INVALID_CONFIG') {
    const problems = body.problems ?? [{ path: 'configuration', message: body.detail }];
    console.error(['invalid configuration:', ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n'));
  } else console.error(`the worker did not come up: /healthz answered ${probe.status || probe.error?.message}`);
  await worker.dispose();
  process.exit(2);
}
console.log(
  `ferry listening on ${url.origin} (config: ${configText !== undefined ? (process.env.FERRY_CONFIG !== undefined ? 'FERRY_CONFIG' : process.env.FERRY_CONFIG_FILE) : 'local default'}, KV: ${persistTo})`,
);
// Who may call, as the Node entry says it (describeCallers): the worker refused a configuration nobody may call.
let callers = { anonymous: true };
try {
  if (configText !== undefined) callers = JSON.parse(configText)?.callers ?? {};
} catch {
  // checked above
}
const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
console.log(
  callers.anonymous === true
    ? 'callers: anonymous callers have every grant (callers.anonymous = true): do not expose this service beyond this machine'
    : `callers: ${count(callers.apiKeys?.length ?? 0, 'API key')} and ${count(callers.oidc?.length ?? 0, 'OIDC issuer')}, ` +
        `with ${count(callers.grants?.length ?? 0, 'grant')}`,
);

if (configText === undefined)
  console.log('try it: npm run demo (a second terminal) serves 127.0.0.1:5000 with team/app:v1 (README: Quick start)');

// A local dev server fires no cron triggers: run wrangler.toml's (it wakes jobs whose runner died,
// such as the ones a killed `npm start` left) on its schedule, every minute (FERRY_CRON_SECONDS).
// (Miniflare's local trigger endpoint; `worker.scheduled()` cannot find the worker by name here.)
const cronTrigger = new URL('/cdn-cgi/handler/scheduled?cron=*+*+*+*+*', url);
const cron = setInterval(
  () => {
    fetch(cronTrigger)
      .then((res) => res.ok || console.error(`cron trigger failed: HTTP ${res.status}`))
      .catch((error) => console.error(`cron trigger failed: ${error.message}`));
  },
  Number(process.env.FERRY_CRON_SECONDS ?? 60) * 1000,
);

const stop = async () => {
  clearInterval(cron);
  await worker.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
