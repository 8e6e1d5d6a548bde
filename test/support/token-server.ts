// A token server for distribution's token auth: checks Basic or refresh-token credentials and signs
// JWTs with jose, carrying the issuer certificate in `x5c` so the registry's rootcertbundle trusts them.

import { execFileSync } from 'node:child_process';
import { selfSignedCertificate } from './self-signed.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';

export interface TokenServerOptions {
  dir: string;
  issuer: string;
  service: string;
  users: Record<string, string>;
  /** Refresh tokens accepted by the OAuth2 POST form, mapped to the user they stand for. */
  refreshTokens: Record<string, string>;
}

export interface TokenServer {
  server: Server;
  certPath: string;
  port: number;
  /** Every request the server saw: method, query and whether credentials were sent. */
  log: { method: string; scope: string[]; account: string | null; form: boolean }[];
  /** What became of a token it issued (a gate in front of the registry enforces it: see token-gate.ts). */
  verdict(token: string): 'valid' | 'expired' | 'revoked' | 'unknown';
  /** Every token issued so far expires now (its credentials still get new ones). */
  expireAll(): void;
  /** The user's password stops working and every token issued to it is revoked. */
  revokeUser(user: string): void;
  addUser(user: string, password: string): void;
}

export function makeIssuerCertificate(dir: string): { certPath: string; keyPath: string } {
  const { certPath, keyPath } = selfSignedCertificate(dir, 'token-issuer', '/CN=ferry-test-token-issuer');
  // jose wants PKCS#8
  const pkcs8 = execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', keyPath], { encoding: 'utf8' });
  execFileSync('sh', ['-c', `cat > '${keyPath}'`], { input: pkcs8 });
  return { certPath, keyPath };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}

function accessFor(scopes: string[]) {
  return scopes.flatMap((scope) => {
    const parts = scope.split(':');
    if (parts.length < 3) return [];
    const actions = parts.pop()!.split(',');
    const type = parts.shift()!;
    return [{ type, name: parts.join(':'), actions }];
  });
}

export async function startTokenServer(options: TokenServerOptions, port: number): Promise<TokenServer> {
  const { certPath, keyPath } = makeIssuerCertificate(options.dir);
  const certDer = readFileSync(certPath, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const key = await importPKCS8(readFileSync(keyPath, 'utf8'), 'ES256');
  const log: TokenServer['log'] = [];
  const flakyAnswered = new Set<string>();
  const issued = new Map<string, { user: string; expiresAt: number; revoked: boolean }>();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // What was asked so far, for tests that count token exchanges (test/support/token-log.ts).
    if (url.pathname === '/__log') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(log));
      return;
    }
    let user: string | undefined;
    let scopes: string[];
    const isForm = req.method === 'POST';
    if (isForm) {
      const form = new URLSearchParams(await readBody(req));
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (form.get('grant_type') === 'refresh_token') user = options.refreshTokens[form.get('refresh_token') ?? ''];
      else if (form.get('grant_type') === 'password') {
        const u = form.get('username') ?? '';
        if (options.users[u] === form.get('password')) user = u;
      }
      if (!user) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        log.push({ method: 'POST', scope: scopes, account: null, form: true });
        return;
      }
    } else {
      scopes = url.searchParams.getAll('scope');
      const header = req.headers.authorization;
      if (header?.startsWith('Basic ')) {
        const [u, p] = Buffer.from(header.slice(6), 'base64').toString().split(/:(.*)/s);
        if (u && options.users[u] === p) user = u;
        else {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
          log.push({ method: 'GET', scope: scopes, account: url.searchParams.get('account'), form: false });
          return;
        }
      }
    }
    // The user "flaky" meets a token server that fails the first time it is asked for each scope.
    if (user === 'flaky' && !flakyAnswered.has(scopes.join(' '))) {
      flakyAnswered.add(scopes.join(' '));
      log.push({ method: req.method ?? 'GET', scope: scopes, account: 'flaky', form: isForm });
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"try again"}');
      return;
    }
    log.push({ method: req.method ?? 'GET', scope: scopes, account: url.searchParams.get('account'), form: isForm });
    // Anonymous callers get a token with no access, as Docker Hub's server does for private repos.
    const access = user ? accessFor(scopes) : [];
    const now = Math.floor(Date.now() / 1000);
    const jti = crypto.randomUUID();
    issued.set(jti, { user: user ?? '', expiresAt: Date.now() + 300_000, revoked: false });
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [certDer] })
      .setIssuer(options.issuer)
      .setAudience(options.service)
      .setSubject(user ?? '')
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .setJti(jti)
      .sign(key);
    const body = isForm
      ? { access_token: token, expires_in: 300 }
      : { token, expires_in: 300, issued_at: new Date().toISOString() };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    certPath,
    port,
    log,
    verdict(token) {
      let jti: unknown;
      try {
        jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti;
      } catch {
        return 'unknown';
      }
      const held = typeof jti === 'string' ? issued.get(jti) : undefined;
      if (!held) return 'unknown';
      if (held.revoked) return 'revoked';
      return held.expiresAt <= Date.now() ? 'expired' : 'valid';
    },
    expireAll() {
      for (const held of issued.values()) held.expiresAt = Math.min(held.expiresAt, Date.now());
    },
    revokeUser(user) {
      delete options.users[user];
      for (const held of issued.values()) if (held.user === user) held.revoked = true;
    },
    addUser(user, password) {
      options.users[user] = password;
    },
  };
}
