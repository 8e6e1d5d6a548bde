// A proxy in front of a real registry that changes answers on request (header x-ferry-fault), for cases
// distribution 2.8.2 cannot produce: manifest bytes that do not match their digest, a manifest over the
// cap, and tag lists paginated with n/last and Link (2.8 ignores n on tags/list; v3 pages them).

import { createServer, request as httpRequest, type Server } from 'node:http';
import { handleHostileDocument } from './hostile-documents.js';
import { handleTenantFault, heldSockets } from './tenant-faults.js';
import { handleTransportFault } from './transport-faults.js';

export type Fault =
  | 'docker-hub-quota'
  | 'corrupt-manifest'
  | 'oversize-manifest'
  | 'paginate-tags'
  | 'hostile-tags'
  | 'redirect-blobs'
  | 'corrupt-blobs'
  | 'private-realm'
  | 'redirect-private'
  | 'foreign-location'
  | 'foreign-link'
  | 'hostile-catalog'
  | 'hostile-digest'
  | 'redirect-across'
  | 'realm-across'
  | 'never-answer'
  | 'echo-secret';

export interface FaultProxy {
  server: Server;
  host: string;
  /** A stand-in for blob storage on another loopback address (127.0.0.2): blob GETs redirect there. */
  storage: { server: Server; host: string; log: { path: string; headers: Record<string, unknown> }[] };
}

/** The name a hostile answer carries: "b64:" then base64url for bytes no header may hold (ESC, C1). */
const hostileName = (arg: unknown) => {
  const text = String(arg);
  return text.startsWith('b64:') ? Buffer.from(text.slice(4), 'base64url').toString() : text;
};

const BLOB_PATH = /^\/v2\/.+\/blobs\/sha256:[a-f0-9]{64}$/;

const MANIFEST_PATH = /^\/v2\/.+\/manifests\/[^/]+$/;
const TAGS_PATH = /^\/v2\/(.+)\/tags\/list$/;

function paginateTags(body: Buffer, url: URL): { body: string; link?: string } {
  const doc = JSON.parse(body.toString()) as { name: string; tags: string[] };
  const n = Number(url.searchParams.get('n') ?? 1000);
  const last = url.searchParams.get('last');
  const all = [...doc.tags].sort();
  const rest = last ? all.filter((t) => t > last) : all;
  const page = rest.slice(0, n);
  const more = rest.length > n;
  return {
    body: JSON.stringify({ name: doc.name, tags: page }),
    ...(more
      ? { link: `<${url.pathname}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"` }
      : {}),
  };
}

async function startStorage(targetPort: number, port: number): Promise<FaultProxy['storage']> {
  const log: FaultProxy['storage']['log'] = [];
  const server = createServer((req, res) => {
    if (req.url === '/__log') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log));
      return;
    }
    log.push({ path: req.url ?? '', headers: { ...req.headers } });
    const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.2', resolve));
  return { server, host: `127.0.0.2:${port}`, log };
}

export async function startFaultProxy(targetPort: number, port: number, storagePort: number): Promise<FaultProxy> {
  // When each quota window named by x-ferry-fault-arg began (docker-hub-quota with ";w=").
  const windowsStarted = new Map<string, number>();
  const storage = await startStorage(targetPort, storagePort);
  const server = createServer((req, res) => {
    if (req.url === '/__held') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ held: heldSockets() }));
      return;
    }
    if (handleTenantFault(req, res)) return;
    if (handleTransportFault(req, res, targetPort)) return;
    if (handleHostileDocument(req, res, storage.host)) return;
    const fault = req.headers['x-ferry-fault'] as Fault | undefined;
    if (fault === 'redirect-blobs' && req.method === 'GET' && BLOB_PATH.test(req.url ?? '')) {
      res.writeHead(307, { location: `http://${storage.host}${req.url}` }).end();
      return;
    }
    // SSRF probes: each points Ferry at an address it must refuse. Tests run them with a fetch that
    // cannot leave the machine, so a broken guard fails the test instead of sending anything.
    if (fault === 'private-realm' && req.url === '/v2/') {
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer realm="https://10.0.0.1/token",service="ferry-test"',
          'content-type': 'application/json',
        })
        .end('{}');
      return;
    }
    if (fault === 'redirect-private' && req.method === 'GET' && BLOB_PATH.test(req.url ?? '')) {
      res.writeHead(307, { location: `http://10.0.0.1${req.url}` }).end();
      return;
    }
    if (
      fault === 'foreign-location' &&
      req.method === 'POST' &&
      /\/blobs\/uploads\/$/.test(new URL(req.url ?? '/', 'http://x').pathname)
    ) {
      res.writeHead(202, { location: `http://${storage.host}/upload-here`, 'docker-upload-uuid': 'x' }).end();
      return;
    }
    // Docker Hub's pull quota on manifest answers: x-ferry-fault-arg is "<remaining>" or "<remaining>+<retry-after>",
    // for a window of 6 hours; "<remaining>;w=<seconds>[;<name>]" is a window that starts with the first request naming it and
    // gives the quota back (100) once it has passed, as Hub does, for a test on a real clock. A spent quota is a 429
    // carrying it (Hub sends no Retry-After then: the window says when).
    if (
      fault === 'docker-hub-quota' &&
      MANIFEST_PATH.test(req.url ?? '') &&
      (req.method === 'GET' || req.method === 'HEAD')
    ) {
      const arg = String(req.headers['x-ferry-fault-arg'] ?? '0');
      const window = arg.match(/;w=(\d+)/)?.[1] ?? '21600';
      const [spent = '0', retryAfter] = arg.split(';')[0]!.split('+');
      if (arg.includes(';w=') && !windowsStarted.has(arg)) windowsStarted.set(arg, Date.now());
      const started = windowsStarted.get(arg);
      const remaining = started !== undefined && Date.now() - started >= Number(window) * 1000 ? '100' : spent;
      const quota = {
        'ratelimit-limit': `100;w=${window}`,
        'ratelimit-remaining': `${remaining};w=${window}`,
        'docker-ratelimit-source': '192.0.2.1',
      };
      if (remaining === '0') {
        res.writeHead(429, {
          'content-type': 'application/json',
          ...quota,
          ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        });
        res.end(
          JSON.stringify({
            errors: [
              {
                code: 'TOOMANYREQUESTS',
                message:
                  'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
              },
            ],
          }),
        );
        return;
      }
      res.setHeader('ratelimit-limit', quota['ratelimit-limit']);
      res.setHeader('ratelimit-remaining', quota['ratelimit-remaining']);
    }
    // A signature tag that "exists", with whatever digest x-ferry-fault-arg says.
    if (
      fault === 'hostile-digest' &&
      req.method === 'HEAD' &&
      /\/manifests\/sha256-[0-9a-f]{64}\.sig$/.test(req.url ?? '')
    ) {
      res
        .writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': String(req.headers['x-ferry-fault-arg']),
          'content-length': '2',
        })
        .end();
      return;
    }
    // The Host header stays the proxy's, so the registry builds upload Locations that come back through us.
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };
    for (const h of ['x-ferry-fault', 'x-ferry-fault-id', 'x-ferry-fault-arg']) delete headers[h];
    const url = new URL(req.url ?? '/', 'http://proxy');
    const paginate = fault === 'paginate-tags' && TAGS_PATH.test(url.pathname);
    const hostile = fault === 'hostile-tags' && TAGS_PATH.test(url.pathname);
    const path = paginate ? url.pathname : req.url;
    const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path, headers }, (up) => {
      if (hostile && up.statusCode === 200) {
        // A hostile registry's tag list: the tag x-ferry-fault-arg names, which no registry may hold.
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const doc = JSON.parse(Buffer.concat(chunks).toString()) as { name: string; tags: string[] };
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ...doc, tags: [...doc.tags, hostileName(req.headers['x-ferry-fault-arg'])] }));
        });
        return;
      }
      if (paginate && up.statusCode === 200) {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const page = paginateTags(Buffer.concat(chunks), url);
          res.writeHead(200, { 'content-type': 'application/json', ...(page.link ? { link: page.link } : {}) });
          res.end(page.body);
        });
        return;
      }
      if (fault === 'hostile-catalog' && url.pathname === '/v2/_catalog' && up.statusCode === 200) {
        // A hostile registry's catalog: the name x-ferry-fault-arg gives, which no repository may have.
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const doc = JSON.parse(Buffer.concat(chunks).toString()) as { repositories: string[] };
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ repositories: [String(req.headers['x-ferry-fault-arg']), ...doc.repositories] }));
        });
        return;
      }
      if (fault === 'foreign-link' && url.pathname === '/v2/_catalog' && up.statusCode === 200) {
        // A catalog page whose next page is elsewhere (x-ferry-fault-arg: the URL), as a hostile registry sends it.
        res.writeHead(200, { ...up.headers, link: `<${String(req.headers['x-ferry-fault-arg'])}>; rel="next"` });
        up.pipe(res);
        return;
      }
      if (fault === 'corrupt-blobs' && req.method === 'GET' && BLOB_PATH.test(req.url ?? '') && up.statusCode === 200) {
        // Same length, one byte flipped: only a digest check can tell.
        res.writeHead(200, up.headers);
        let first = true;
        up.on('data', (c: Buffer) => {
          if (first && c.length > 0) {
            c = Buffer.from(c);
            c[0] = c[0]! ^ 0xff;
            first = false;
          }
          res.write(c);
        });
        up.on('end', () => res.end());
        return;
      }
      const damage =
        (fault === 'corrupt-manifest' || fault === 'oversize-manifest') &&
        req.method === 'GET' &&
        MANIFEST_PATH.test(req.url ?? '') &&
        up.statusCode === 200;
      if (!damage) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        let body = Buffer.concat(chunks);
        if (fault === 'corrupt-manifest') {
          body = Buffer.from(body);
          // Keep it valid JSON: swap the whitespace-free body's first "{" for "{ ".
          body = Buffer.concat([Buffer.from('{ '), body.subarray(1)]);
        } else {
          body = Buffer.concat([body, Buffer.alloc(5 * 1024 * 1024, 0x20)]);
        }
        res.writeHead(200, { ...up.headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${port}`, storage };
}
