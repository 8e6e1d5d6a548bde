// Documents a hostile registry serves, which distribution refuses to store: a manifest with a path in a
// descriptor digest, indexes thousands of children wide or thousands of levels deep, and Link headers
// that point elsewhere. Chosen per request by the fault proxy's x-ferry-fault header:
//   hostile-manifest  a tag's manifest is x-ferry-fault-arg (base64url JSON)
//   wide-index        a tag's manifest is an index of x-ferry-fault-arg distinct image children
//   deep-index        a tag's manifest is a chain of x-ferry-fault-arg nested indexes
//   link-ssrf         tag lists carry a Link "next" whose path starts with //<another host>
// Every generated manifest is kept by digest, so fetching a child by digest finds it.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const TAGS_PATH = /^\/v2\/(.+)\/tags\/list$/;

const byDigest = new Map<string, Buffer>();
// How many manifest requests are open at once, per fault id: what bounded fetching is judged by.
const inFlight = new Map<string, { now: number; max: number; total: number }>();

function keep(doc: unknown): { digest: string; size: number } {
  const body = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  byDigest.set(digest, body);
  return { digest, size: body.length };
}

function image(seed: string): { digest: string; size: number } {
  const config = `sha256:${createHash('sha256').update(seed).digest('hex')}`;
  // An artifact's config type: inspecting it reads no config blob (there is none behind these manifests).
  return keep({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.ferry.test.config.v1+json', digest: config, size: 2 },
    layers: [],
  });
}

function wide(n: number): Buffer {
  const manifests = Array.from({ length: n }, (_, i) => ({
    mediaType: OCI_MANIFEST,
    ...image(`wide-${n}-${i}`),
    platform: { os: 'linux', architecture: `arch${i}` },
  }));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

function deep(n: number): Buffer {
  let child = { mediaType: OCI_MANIFEST, ...image(`deep-${n}`), platform: { os: 'linux', architecture: 'amd64' } };
  for (let level = 1; level < n; level++)
    child = {
      mediaType: OCI_INDEX,
      ...keep({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }),
      platform: child.platform,
    };
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }));
}

function mediaTypeOf(body: Buffer): string {
  try {
    return (JSON.parse(body.toString()) as { mediaType?: string }).mediaType ?? OCI_MANIFEST;
  } catch {
    return OCI_MANIFEST; // not JSON: Ferry must refuse it, the proxy must not fall over
  }
}

function send(res: ServerResponse, method: string, body: Buffer): void {
  res.writeHead(200, {
    'content-type': mediaTypeOf(body),
    'content-length': String(body.length),
    'docker-content-digest': `sha256:${createHash('sha256').update(body).digest('hex')}`,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/** Answers the request when a hostile-document fault applies to it; false to pass it on. */
export function handleHostileDocument(req: IncomingMessage, res: ServerResponse, storageHost: string): boolean {
  const fault = String(req.headers['x-ferry-fault'] ?? '');
  const arg = String(req.headers['x-ferry-fault-arg'] ?? '');
  const id = String(req.headers['x-ferry-fault-id'] ?? fault);
  const url = new URL(req.url ?? '/', 'http://proxy');
  if (url.pathname === '/__hostile/stats') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(inFlight.get(url.searchParams.get('id') ?? '') ?? null));
    return true;
  }
  if (fault === 'link-ssrf' && TAGS_PATH.test(url.pathname) && req.method === 'GET') {
    const next = `http://${req.headers.host}//${storageHost}/link-ssrf-tags?last=v1`;
    res.writeHead(200, { 'content-type': 'application/json', link: `<${next}>; rel="next"` });
    res.end(JSON.stringify({ name: TAGS_PATH.exec(url.pathname)![1], tags: ['v1'] }));
    return true;
  }
  if (!['hostile-manifest', 'wide-index', 'deep-index'].includes(fault)) return false;
  const m = MANIFEST_PATH.exec(url.pathname);
  if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const reference = m[2]!;
  let body: Buffer | undefined;
  if (reference.startsWith('sha256:')) body = byDigest.get(reference);
  else if (fault === 'hostile-manifest') body = Buffer.from(arg, 'base64url');
  else if (fault === 'wide-index') body = wide(Number(arg));
  else body = deep(Number(arg));
  if (!body) return false;
  // A client may fetch what a tag named by its digest next: the top document is kept too.
  byDigest.set(`sha256:${createHash('sha256').update(body).digest('hex')}`, body);
  const stats = inFlight.get(id) ?? { now: 0, max: 0, total: 0 };
  inFlight.set(id, stats);
  stats.now++;
  stats.total++;
  stats.max = Math.max(stats.max, stats.now);
  // Held a moment so that requests sent at once overlap here and are counted together.
  setTimeout(() => {
    stats.now--;
    send(res, req.method ?? 'GET', body);
  }, 5);
  return true;
}
