// Decides whether Ferry may send a request to a URL: scheme, configured registries, and private addresses.

import type { ConnectionInit, FetchLike, RegistryConfig, RegistryReach } from './options.js';
import { AppError } from '../errors.js';

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'reserved';

function ipv4Class(octets: number[]): AddressClass {
  const [a = 0, b = 0] = octets;
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127))
    return 'private';
  // 169.254/16 holds the cloud metadata services.
  if (a === 169 && b === 254) return 'link-local';
  if (a === 0 || a >= 224 || (a === 192 && b === 0 && octets[2] === 0) || (a === 198 && (b === 18 || b === 19)))
    return 'reserved';
  return 'public';
}

function parseIpv6(text: string): number[] | undefined {
  // WHATWG URL already canonicalised it (compressed, lowercase, an embedded IPv4 turned into hex).
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? new Array(8 - head.length - tail.length).fill(0) : [];
  const groups = [...head, ...fill, ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4Of = (high: number, low: number) => ipv4Class([high >> 8, high & 255, low >> 8, low & 255]);

/**
 * IPv6 classes, including every form that carries an IPv4 address a host may route to (the embedded
 * address decides): IPv4-mapped, IPv4-compatible, SIIT, NAT64 and 6to4.
 */
function ipv6Class(groups: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (groups.every((g, i) => g === (i === 7 ? 1 : 0))) return 'loopback'; // ::1
  if (groups.every((g) => g === 0)) return 'reserved'; // ::
  if (zeros(0, 5) && g5 === 0xffff) return v4Of(g6, g7); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 6)) return v4Of(g6, g7); // ::a.b.c.d, IPv4-compatible (deprecated, still routed by some stacks)
  if (zeros(0, 4) && g4 === 0xffff && g5 === 0) return v4Of(g6, g7); // ::ffff:0:a.b.c.d, SIIT
  if (g0 === 0x64 && g1 === 0xff9b) return v4Of(g6, g7); // 64:ff9b::/96 NAT64, 64:ff9b:1::/48 local NAT64
  if (g0 === 0x2002) return v4Of(g1, g2); // 6to4
  if (g0 === 0x2001 && g1 === 0) return 'reserved'; // Teredo: a tunnel whose far end nobody checks
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved'; // documentation
  if (g0 === 0x100 && zeros(1, 4)) return 'reserved'; // 100::/64, discard
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // fec0::/10, site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

/** Classifies a URL hostname as WHATWG URL parsing leaves it (IPv4 forms like 127.1 or 0x7f000001 normalised). */
export function classifyHostname(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? ipv6Class(groups) : 'reserved';
  }
  const v4 = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) return ipv4Class(v4.slice(1).map(Number));
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  // Names that only resolve inside a network (GCP metadata, mDNS, home routers).
  if (host.endsWith('.internal') || host.endsWith('.local') || host.endsWith('.home.arpa') || !host.includes('.'))
    return 'private';
  return 'public';
}

/** The class of an address as a resolver returns it ("::ffff:127.0.0.1", "10.0.0.1"). */
export function classifyAddress(address: string): AddressClass {
  try {
    return classifyHostname(new URL(`http://${address.includes(':') ? `[${address}]` : address}/`).hostname);
  } catch {
    return 'reserved';
  }
}

const isIpLiteral = (hostname: string) => hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);

/**
 * Whether the operator named this host in the configuration (a registry, its mirrors, auth and blob hosts).
 * Entries added through the API do not count: their hosts are checked like any public host.
 */
function configuredHost(config: RegistryReach, hostname: string): boolean {
  for (const [key, registry] of config.registries) {
    if (registry.publicOnly) continue;
    if (new URL(`http://${key}`).hostname === hostname) return true;
    if (
      [...registry.authHosts, ...registry.blobHosts].some(
        (p) => hostMatches(p, hostname) || hostMatches(p.replace(/:\d+$/, ''), hostname),
      )
    )
      return true;
    if (registry.mirrors.some((m) => new URL(m).hostname === hostname)) return true;
  }
  return false;
}

// How long a name's addresses are trusted before they are looked up again.
const RESOLVED_TTL_MS = 60_000;

/**
 * Where the runtime can resolve names (Node, Deno, Bun), a fetch that looks up each host Ferry reaches only
 * because it is public (not one the operator configured) and refuses it when any address is private,
 * loopback or link-local ("127.0.0.1.nip.io" is not a public registry), or when the lookup fails or finds
 * nothing. The checked address goes with the request (ConnectionInit.address): the runtime's fetch
 * connects there and looks nothing up again, so a rebinding answer cannot move the connection. Workers
 * cannot resolve names (see docs/security.md); their fetch goes out through Cloudflare's network, which
 * does not reach private ranges.
 */
export function resolvingFetch(
  fetch: FetchLike,
  resolve: (hostname: string) => Promise<string[]>,
  config: RegistryReach,
): FetchLike {
  const known = new Map<string, { address: string; until: number }>();
  // Every blob chunk passes here: whether a host needs a lookup is decided once per host.
  const looked = new Map<string, boolean>();
  const needsLookup = (hostname: string) => {
    let needed = looked.get(hostname);
    if (needed === undefined)
      looked.set(hostname, (needed = !isIpLiteral(hostname) && !configuredHost(config, hostname)));
    return needed;
  };
  const checked = async (hostname: string): Promise<string> => {
    const held = known.get(hostname);
    if (held && held.until >= Date.now()) return held.address;
    let addresses: string[];
    try {
      addresses = await resolve(hostname);
    } catch {
      addresses = [];
    }
    if (!addresses.length)
      refuse('ADDRESS_NOT_ALLOWED', `refusing ${hostname}: its name could not be resolved to an address to check`);
    const worst = addresses.map((a) => ({ address: a, cls: classifyAddress(a) })).find((a) => a.cls !== 'public');
    if (worst)
      refuse(
        'ADDRESS_NOT_ALLOWED',
        `refusing ${hostname}: it resolves to a ${worst.cls} address (${worst.address}) and is not configured`,
      );
    known.set(hostname, { address: addresses[0]!, until: Date.now() + RESOLVED_TTL_MS });
    return addresses[0]!;
  };
  return async (input, init) => {
    const hostname = new URL(input instanceof Request ? input.url : input.toString()).hostname.toLowerCase();
    if (!needsLookup(hostname)) return fetch(input, init);
    const pinned: ConnectionInit = { ...init, address: await checked(hostname) };
    return fetch(input, pinned);
  };
}

function refuse(code: 'REGISTRY_NOT_ALLOWED' | 'ADDRESS_NOT_ALLOWED' | 'INSECURE_NOT_ALLOWED', message: string): never {
  throw new AppError(code, message);
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new AppError('UPSTREAM_PROTOCOL', 'registry sent an unparseable URL');
  }
}

/** The registry API itself: configured registries, or public hosts when the config allows them. */
export function checkRegistryAllowed(config: RegistryReach, registryKey: string): RegistryConfig | undefined {
  const registry = config.registries.get(registryKey);
  if (registry && !registry.publicOnly) return registry;
  const hostname = new URL(`https://${registryKey}`).hostname;
  const cls = classifyHostname(hostname);
  if (registry) {
    if (cls !== 'public')
      refuse(
        'ADDRESS_NOT_ALLOWED',
        `registry ${registryKey} is a ${cls} address: entries added through the API reach public addresses only`,
      );
    return registry;
  }
  // What to add, as the operator writes it (a loopback or private registry mostly speaks plain http).
  const entry = (value: string) => `"registries": {"${registryKey}": ${value}}`;
  if (cls !== 'public')
    refuse(
      'ADDRESS_NOT_ALLOWED',
      `registry ${registryKey} is a ${cls} address and is not configured: allow it in the configuration with ` +
        `${entry('{"insecure": true}')} (plain http), or ${entry('{}')} (https)`,
    );
  if (!config.allowPublicRegistries)
    refuse(
      'REGISTRY_NOT_ALLOWED',
      `registry ${registryKey} is not configured: add ${entry('{}')} to the configuration, or ` +
        `"allowPublicRegistries": true`,
    );
  return undefined;
}

export type FollowKind = 'realm' | 'redirect' | 'location' | 'link';

// Where well-known registries send clients for tokens and blob bytes (so unconfigured public registries work).
const KNOWN_HOSTS: { registry: string; auth: string[]; blobs: string[] }[] = [
  {
    registry: 'registry-1.docker.io',
    auth: ['auth.docker.io'],
    blobs: ['production.cloudflare.docker.com', '*.cloudflare.docker.com'],
  },
  { registry: 'ghcr.io', auth: [], blobs: ['pkg-containers.githubusercontent.com'] },
  { registry: 'quay.io', auth: [], blobs: ['*.quay.io', '*.s3.amazonaws.com'] },
  { registry: '*.gcr.io', auth: [], blobs: ['storage.googleapis.com', '*.storage.googleapis.com'] },
  { registry: 'gcr.io', auth: [], blobs: ['storage.googleapis.com', '*.storage.googleapis.com'] },
  { registry: '*.pkg.dev', auth: [], blobs: ['storage.googleapis.com', '*.storage.googleapis.com'] },
  { registry: '*.amazonaws.com', auth: [], blobs: ['*.amazonaws.com'] },
  { registry: '*.azurecr.io', auth: [], blobs: ['*.blob.core.windows.net', '*.azurecr.io'] },
];

/**
 * "*.example.com" matches any subdomain of example.com; anything else matches exactly. A wildcard names
 * names, never addresses: "*.0.0.1" does not match 127.0.0.1.
 */
export function hostMatches(pattern: string, hostname: string): boolean {
  const p = pattern.toLowerCase();
  if (!p.startsWith('*.')) return hostname === p;
  return !isIpLiteral(hostname.replace(/:\d+$/, '')) && hostname.endsWith(p.slice(1)) && hostname.length > p.length - 1;
}

/** A wildcard whose suffix is not a name under a top-level domain ("*.0.0.1", "*.1", "*.com") covers too much. */
export function wildcardTooWide(pattern: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const labels = pattern.slice(2).replace(/:\d+$/, '').split('.');
  return labels.length < 2 || /^\d+$/.test(labels[labels.length - 1]!);
}

function allowedHosts(registry: RegistryConfig | undefined, ownHostname: string, kind: FollowKind): string[] {
  const known = KNOWN_HOSTS.filter((k) => hostMatches(k.registry, ownHostname));
  const auth = [...(registry?.authHosts ?? []), ...known.flatMap((k) => k.auth)];
  const blobs = [...(registry?.blobHosts ?? []), ...known.flatMap((k) => k.blobs)];
  if (kind === 'realm') return auth;
  if (kind === 'redirect' || kind === 'location') return blobs;
  return [];
}

const listName: Record<FollowKind, string> = {
  realm: 'authHosts',
  redirect: 'blobHosts',
  location: 'blobHosts',
  link: '',
};

/**
 * Checks a URL a registry sent us to: a token realm, a redirect, an upload Location or a Link page. It
 * must stay on the origin that answered (the registry itself, or the mirror asked) or on a host the
 * registry's own entry lists (authHosts for realms, blobHosts for redirects and uploads; built in for
 * well-known registries). Another configured registry is no exception: one registry must never steer
 * Ferry into another's repositories. Private addresses only for an operator's entry; plain http only
 * for a registry configured insecure.
 */
export function checkFollowUrl(
  registry: RegistryConfig | undefined,
  registryKey: string,
  raw: string,
  kind: FollowKind,
  answeredBy?: URL,
): URL {
  const url = parseUrl(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    refuse('ADDRESS_NOT_ALLOWED', `refusing ${url.protocol} URL`);
  if (url.username || url.password) refuse('ADDRESS_NOT_ALLOWED', 'refusing a URL with embedded credentials');
  const ownBase = new URL(registryBaseUrl(registry, registryKey));
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  const own = host === ownBase.host || (answeredBy !== undefined && host === answeredBy.host);
  const listed = allowedHosts(registry, ownBase.hostname, kind).some(
    (p) => hostMatches(p, host) || hostMatches(p, hostname),
  );
  if (!own && !listed)
    refuse(
      'ADDRESS_NOT_ALLOWED',
      kind === 'link'
        ? `refusing a pagination link to ${host}: not ${registryKey}'s own origin`
        : `refusing ${kindName[kind]} to ${host}: neither ${registryKey}'s own origin nor in its ${listName[kind]}`,
    );
  const cls = classifyHostname(hostname);
  // An entry added through the API vouches for no address but a public one, its own included.
  if (cls !== 'public' && (!registry || registry.publicOnly))
    refuse(
      'ADDRESS_NOT_ALLOWED',
      `refusing a ${cls} address (${host}): entries added through the API reach public addresses only`,
    );
  if (url.protocol === 'http:' && !registry?.insecure)
    refuse('INSECURE_NOT_ALLOWED', `refusing plain http to ${host}: the registry is not configured insecure`);
  return url;
}

const kindName: Record<FollowKind, string> = {
  realm: 'a token realm',
  redirect: 'a redirect',
  location: 'an upload location',
  link: 'a pagination link',
};

/** Base URL for a registry's API: https unless configured insecure. */
export function registryBaseUrl(registry: RegistryConfig | undefined, registryKey: string): string {
  return `${registry?.insecure ? 'http' : 'https'}://${registryKey}`;
}
