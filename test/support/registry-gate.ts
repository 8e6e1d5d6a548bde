// A proxy in front of a real docker-registry that refuses what the registry itself cannot know to refuse,
// and passes everything else through, streamed both ways (the Host header goes along, so the registry
// writes upload Locations for the gate's address). `after` lets a test act between requests.
//
// tokenVerdicts: what a token server decided about each token, enforced to the second: distribution
// checks a token's expiry only with a minute of leeway and cannot know of a revocation, as a registry
// that asks its token server (introspection) does. Such a token gets the registry's own 401 challenge.

import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { TokenServer } from './token-server.js';

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why, for the gate's log. */
  verdict: string;
}

export interface TokenGate {
  host: string;
  /** Requests the gate refused, with why. */
  refused: { method: string; path: string; verdict: string }[];
  /** TCP connections the gate accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export function tokenVerdicts(
  tokens: TokenServer,
  challenge: { realm: string; service: string },
): (req: IncomingMessage) => Refusal | undefined {
  return (req) => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const verdict = tokens.verdict(header.slice(7));
    if (verdict !== 'expired' && verdict !== 'revoked') return undefined;
    return {
      status: 401,
      headers: {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="${challenge.realm}",service="${challenge.service}",error="invalid_token"`,
      },
      body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `token ${verdict}` }] }),
      verdict,
    };
  };
}

export async function startRegistryGate(
  registryPort: number,
  refuse: (req: IncomingMessage) => Refusal | undefined,
  after: (request: IncomingMessage, status: number) => void = () => {},
): Promise<TokenGate> {
  const refused: TokenGate['refused'] = [];
  const server: Server = createServer((req, res) => {
    const refusal = refuse(req);
    if (refusal) {
      refused.push({ method: req.method ?? 'GET', path: req.url ?? '', verdict: refusal.verdict });
      req.resume();
      res.writeHead(refusal.status, refusal.headers).end(refusal.body);
      return;
    }
    const upstream = forward(
      { host: '127.0.0.1', port: registryPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => after(req, answer.statusCode ?? 0));
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    refused,
    get connections() {
      return connections;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
