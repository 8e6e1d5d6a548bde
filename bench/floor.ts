// The registries' floor: the least any client needs to copy a two-platform index between these registries,
// timed inside the benchmark's own process (no start to pay, as a served Ferry pays none). node:http with
// keep-alive, 6 blobs at once, no auth, no checks:
//   cold:                   per blob GET (source) -> POST -> PUT (the body piped through); then the manifests;
//   warm:                   GET the source's index, HEAD the target's tag (the digests match: done);
//   same-registry new repo: per blob a mount POST; then the manifests;
//   read / write:           the source's blobs read and dropped / as many bytes written to the target (made
//                           up here, hashed while sent): a copy overlaps the two, and takes no less than either.
// Ferry and the peers do more than this (digests checked, existing blobs asked for, retries possible): a
// goal below this floor cannot be met by any client.

import { createHash } from 'node:crypto';
import { Agent, request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';
const CONCURRENCY = 6;
const MiB = 1024 * 1024;

interface Ref {
  host: string;
  repository: string;
  tag: string;
}

function parse(reference: string): Ref {
  const slash = reference.indexOf('/');
  const colon = reference.lastIndexOf(':');
  return {
    host: reference.slice(0, slash),
    repository: reference.slice(slash + 1, colon),
    tag: reference.slice(colon + 1),
  };
}

let agent = new Agent({ keepAlive: true });

function send(
  method: string,
  url: string | URL,
  headers: Record<string, string> = {},
  body?: Buffer | Readable,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, resolve);
    req.on('error', reject);
    if (body && 'pipe' in body) body.pipe(req);
    else req.end(body);
  });
}

async function read(res: IncomingMessage, expected: number[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  if (!expected.includes(res.statusCode!)) throw new Error(`answered ${res.statusCode}`);
  return Buffer.concat(chunks);
}

/** Reads a blob's body to its end, keeping nothing. */
async function drain(res: IncomingMessage): Promise<void> {
  for await (const _ of res);
  if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
}

interface Manifest {
  digest: string;
  bytes: Buffer;
  mediaType: string;
}

async function getManifest(ref: Ref, reference: string): Promise<Manifest> {
  const res = await send('GET', `http://${ref.host}/v2/${ref.repository}/manifests/${reference}`, { accept: ACCEPT });
  const bytes = await read(res, [200]);
  return {
    digest: String(res.headers['docker-content-digest']),
    bytes,
    mediaType: String(res.headers['content-type']),
  };
}

async function putManifest(ref: Ref, reference: string, manifest: Manifest): Promise<void> {
  const url = `http://${ref.host}/v2/${ref.repository}/manifests/${reference}`;
  await read(await send('PUT', url, { 'content-type': manifest.mediaType }, manifest.bytes), [201]);
}

async function eachBlob(
  blobs: { digest: string; size: number }[],
  move: (b: { digest: string; size: number }) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < blobs.length) await move(blobs[next++]!);
    }),
  );
}

type Mode = 'cold' | 'warm' | 'mount' | 'read' | 'write';

/** `size` bytes (a 1 MiB block over and over), hashed as they go: the digest once the stream has ended. */
function madeUp(size: number, seed: number): { body: Readable; digest: () => string } {
  const block = Buffer.alloc(MiB, seed & 255); // blobs of one size differ
  const hash = createHash('sha256');
  let left = size;
  const body = Readable.from(
    (function* () {
      while (left > 0) {
        const chunk = block.subarray(0, Math.min(left, MiB));
        left -= chunk.byteLength;
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
  return { body, digest: () => `sha256:${hash.digest('hex')}` };
}

async function write(to: Ref, size: number, seed: number): Promise<void> {
  const started = await send('POST', `http://${to.host}/v2/${to.repository}/blobs/uploads/`);
  await read(started, [202]);
  const { body, digest } = madeUp(size, seed);
  const headers = { 'content-type': 'application/octet-stream' };
  const patched = await send('PATCH', new URL(String(started.headers.location), `http://${to.host}`), headers, body);
  await read(patched, [202]);
  const location = new URL(String(patched.headers.location), `http://${to.host}`);
  location.searchParams.set('digest', digest());
  await read(await send('PUT', location), [201]);
}

async function copy(mode: Exclude<Mode, 'warm'>, from: Ref, to: Ref): Promise<void> {
  const top = await getManifest(from, from.tag);
  const children = await Promise.all(
    (JSON.parse(top.bytes.toString()).manifests as { digest: string }[]).map((m) => getManifest(from, m.digest)),
  );
  const blobs = new Map<string, { digest: string; size: number }>();
  for (const child of children) {
    const m = JSON.parse(child.bytes.toString()) as {
      config: { digest: string; size: number };
      layers: (typeof m.config)[];
    };
    for (const b of [m.config, ...m.layers]) blobs.set(b.digest, b);
  }
  const uploads = `http://${to.host}/v2/${to.repository}/blobs/uploads/`;
  let seeds = 1;
  await eachBlob([...blobs.values()], async (blob) => {
    if (mode === 'read')
      return drain(await send('GET', `http://${from.host}/v2/${from.repository}/blobs/${blob.digest}`));
    if (mode === 'write') return write(to, blob.size, seeds++);
    if (mode === 'mount') {
      const query = `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from.repository)}`;
      await read(await send('POST', uploads + query), [201]);
      return;
    }
    const started = await send('POST', uploads);
    await read(started, [202]);
    const location = new URL(String(started.headers.location), `http://${to.host}`);
    location.searchParams.set('digest', blob.digest);
    const source = await send('GET', `http://${from.host}/v2/${from.repository}/blobs/${blob.digest}`);
    const headers = { 'content-length': String(blob.size), 'content-type': 'application/octet-stream' };
    await read(await send('PUT', location, headers, source), [201]);
  });
  if (mode === 'read' || mode === 'write') return;
  for (const child of children) await putManifest(to, child.digest, child);
  await putManifest(to, to.tag, top);
}

async function warm(from: Ref, to: Ref): Promise<void> {
  const [top, head] = await Promise.all([
    getManifest(from, from.tag),
    send('HEAD', `http://${to.host}/v2/${to.repository}/manifests/${to.tag}`, { accept: ACCEPT }),
  ]);
  await read(head, [200]);
  if (head.headers['docker-content-digest'] !== top.digest) throw new Error('the target has another image');
}

/** One copy at the floor: `cold`, `warm` (the target has it), `mount` (same registry, a new repository), or half a copy. */
export async function floorCopy(mode: Mode, from: string, to: string): Promise<void> {
  agent = new Agent({ keepAlive: true, maxSockets: 64 }); // no connection kept from the round before
  try {
    await (mode === 'warm' ? warm(parse(from), parse(to)) : copy(mode, parse(from), parse(to)));
  } finally {
    agent.destroy();
  }
}
