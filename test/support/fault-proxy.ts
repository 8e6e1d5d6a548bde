// A proxy in front of a real registry that damages answers on request (header x-ferry-fault), for cases a
// healthy registry cannot produce: manifest bytes that do not match their digest, or a manifest over the cap.

import { createServer, request as httpRequest, type Server } from 'node:http';

export type Fault = 'corrupt-manifest' | 'oversize-manifest';

export interface FaultProxy {
  server: Server;
  host: string;
}

const MANIFEST_PATH = /^\/v2\/.+\/manifests\/[^/]+$/;

export async function startFaultProxy(targetPort: number, port: number): Promise<FaultProxy> {
  const server = createServer((req, res) => {
    const fault = req.headers['x-ferry-fault'] as Fault | undefined;
    const headers = { ...req.headers, host: `127.0.0.1:${targetPort}` };
    delete headers['x-ferry-fault'];
    const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers }, (up) => {
      const damage = fault && req.method === 'GET' && MANIFEST_PATH.test(req.url ?? '') && up.statusCode === 200;
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
  return { server, host: `127.0.0.1:${port}` };
}
