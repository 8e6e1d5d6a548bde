// What a hostile registry does to lead Ferry across tenants (security review v2), for the fault proxy.
// Chosen per request by x-ferry-fault, with x-ferry-fault-arg:
//   redirect-across  arg "<parts>|<host>/<repository>": requests on <parts> ("manifests", "blobs",
//                    "uploads", or "all") answer 307 to the same path in <repository> on registry <host>;
//                    part "upload-put": an upload's closing PUT answers 307 to a session the proxy
//                    opened there (so the redirected PUT would land)
//   realm-across     arg: a token realm URL; the ping asks for a bearer token there
//   never-answer     arg "<parts>" as above, or "ping": those requests are taken and never answered
//   huge-referrers   arg "<n>": the referrers API answers pages of n descriptors, each page's Link
//                    naming the next, 20 pages in all
//   (any request whose path starts /__never is held the same way: a token server that never answers)
//   echo-secret      asks for Basic credentials, then answers 403 DENIED echoing what it received as
//                    Authorization (decoded when Basic), in the phrasing arg names (see ECHOES)

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const REPOSITORY_PART = /^\/v2\/(.+?)\/(manifests\/.*|blobs\/uploads\/.*|blobs\/.*)$/;

// Held on purpose: closed when the proxy closes (closeAllConnections), or by a test's own request.
const held = new Set<Socket>();

function partOf(rest: string): 'manifests' | 'blobs' | 'uploads' {
  if (rest.startsWith('manifests/')) return 'manifests';
  return rest.startsWith('blobs/uploads/') ? 'uploads' : 'blobs';
}

const covers = (parts: string, part: string) => parts === 'all' || parts.split(',').includes(part);

// How registries have been seen to echo a credential back in an error message.
const ECHOES: Record<string, (user: string, password: string) => string> = {
  prose: (user, password) => `login failed for ${user} with password ${password}`,
  json: (_user, password) => `bad credentials {"password": "${password}"}`,
  colon: (user, password) => `refused ${user}:${password}`,
  pw: (_user, password) => `refused pw=${password}`,
};

function credentialsSent(req: IncomingMessage): { user: string; password: string } {
  const header = String(req.headers.authorization ?? '');
  if (header.toLowerCase().startsWith('basic ')) {
    const [user = '', ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    return { user, password: rest.join(':') };
  }
  return { user: '', password: header.replace(/^bearer\s+/i, '') };
}

function openSessionAt(host: string, repository: string, then: (location: string) => void): void {
  const [hostname, port] = host.split(':');
  httpRequest(
    { host: hostname, port: Number(port), method: 'POST', path: `/v2/${repository}/blobs/uploads/` },
    (up) => {
      up.resume();
      then(String(up.headers.location ?? '/nowhere'));
    },
  )
    .on('error', () => then('/nowhere'))
    .end();
}

/** Handles the request when a tenant fault applies; returns false to let the proxy forward it. */
export function handleTenantFault(req: IncomingMessage, res: ServerResponse): boolean {
  const fault = req.headers['x-ferry-fault'] as string | undefined;
  const arg = String(req.headers['x-ferry-fault-arg'] ?? '');
  const url = new URL(req.url ?? '/', 'http://proxy');
  const ping = url.pathname === '/v2/';
  const match = url.pathname.match(REPOSITORY_PART);
  if (fault === 'redirect-across' && match) {
    const [parts = '', victim = ''] = arg.split('|');
    const slash = victim.indexOf('/');
    if (req.method === 'PUT' && partOf(match[2]!) === 'uploads' && covers(parts, 'upload-put')) {
      openSessionAt(victim.slice(0, slash), victim.slice(slash + 1), (location) => {
        const to = new URL(location, `http://${victim.slice(0, slash)}`);
        to.searchParams.set('digest', url.searchParams.get('digest') ?? '');
        res.writeHead(307, { location: to.toString(), 'content-length': '0' }).end();
      });
      return true;
    }
    if (!covers(parts, partOf(match[2]!))) return false;
    const location = `http://${victim.slice(0, slash)}/v2/${victim.slice(slash + 1)}/${match[2]}${url.search}`;
    res.writeHead(307, { location, 'content-length': '0' }).end();
    return true;
  }
  if (fault === 'realm-across' && ping) {
    res
      .writeHead(401, {
        'www-authenticate': `Bearer realm="${arg}",service="ferry-test-registry"`,
        'content-type': 'application/json',
      })
      .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    return true;
  }
  const referrers = url.pathname.match(/^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/);
  if (fault === 'huge-referrers' && referrers && req.method === 'GET') {
    const page = Number(url.searchParams.get('page') ?? 0);
    const manifests = Array.from({ length: Number(arg) }, (_, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${(page * 1_000_000 + i).toString(16).padStart(64, '0')}`,
      size: 512,
      artifactType: 'application/vnd.example.junk',
    }));
    const next = page < 19 ? { link: `<${url.pathname}?page=${page + 1}>; rel="next"` } : {};
    res
      .writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', ...next })
      .end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
    return true;
  }
  const never = url.pathname.startsWith('/__never');
  if (never || (fault === 'never-answer' && ((arg === 'ping' && ping) || (match && covers(arg, partOf(match[2]!)))))) {
    held.add(req.socket);
    req.socket.once('close', () => held.delete(req.socket));
    req.resume();
    return true;
  }
  if (fault === 'echo-secret') {
    // Asks for Basic credentials, then refuses them, saying them back.
    if (ping || !req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="hostile"', 'content-type': 'application/json' }).end('{}');
      return true;
    }
    const { user, password } = credentialsSent(req);
    const message = (ECHOES[arg] ?? ECHOES.prose!)(user, password);
    res
      .writeHead(403, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errors: [{ code: 'DENIED', message }] }));
    return true;
  }
  return false;
}

/** Sockets a never-answer fault holds now (a test asserts they are still open while Ferry gave up). */
export function heldSockets(): number {
  return held.size;
}
