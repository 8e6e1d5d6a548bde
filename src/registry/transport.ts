// Sends requests to one registry: egress checks, auth per endpoint, retries, and redirects followed by hand.

import {
  DEFAULT_REFERRER_BOUNDS,
  ONE_PUT,
  type Credentials,
  type ReferrerBounds,
  type RegistryConfig,
  type RegistryOptions,
  type Renewal,
  type UploadProfile,
  type UpstreamAnswer,
} from './options.js';
import { AppError, isAppError } from '../errors.js';
import { basicAuthorization, TokenCache, type AuthScope } from './auth.js';
import { discardBody } from './body.js';
import { parseWwwAuthenticate, type Challenge } from './challenge.js';
import { configuredSecrets, markSecretsSent, MIN_SECRET_LENGTH } from './upstream-errors.js';
import { checkFollowUrl, checkRegistryAllowed, registryBaseUrl, type FollowKind } from './egress.js';
import { childTraceparent, type TraceContext } from './trace-context.js';
import { describeUrl, fetchWithRetry, HostGate, type BackoffGate } from './retry.js';

const MAX_REDIRECTS = 5;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

export interface Endpoint {
  /** scheme://host[:port] */
  base: string;
  /** Only the registry itself gets its credentials; mirrors are asked anonymously. */
  credentials: Credentials | undefined;
  mirror: boolean;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, starting with /v2/ */
  path: string;
  scopes: string[];
  headers?: Record<string, string>;
  body?: BodyInit | null;
  idempotent?: boolean;
  /** A blob download: its body is left to the runtime to pump (see fetchWithin). */
  native?: boolean;
  /**
   * A redirect to another origin (checked as any is) comes back as a 307 naming it, not followed: the
   * registry front passes it on, and the bytes never cross Ferry.
   */
  handBackRedirect?: boolean;
}

type AuthState = { kind: 'none' } | { kind: 'challenges'; challenges: Challenge[] };

/** One operation's view of a registry: a signal that aborts its requests, a set noting their hosts. */
export interface View {
  signal?: AbortSignal | undefined;
  hosts?: Set<string> | undefined;
  /** Counts the requests sent (each hop, each try): a sync run's history says how many it made. */
  requests?: { count: number } | undefined;
  /** A registry hold longer than this is refused (registryHeld) rather than slept through. */
  maxWaitMs?: number | undefined;
  /** W3C trace context: each request carries a `traceparent` of this trace, with a span of its own. */
  trace?: { traceId: string; flags: string } | undefined;
}

/** What the views of one registry's transport share: the auth it learned, and the secrets it sent. */
interface Shared {
  registry: RegistryConfig | undefined;
  upload: UploadProfile;
  auth: Map<string, AuthState>;
  secrets: Set<string>;
}

export class RegistryTransport {
  readonly registryKey: string;
  readonly registry: RegistryConfig | undefined;
  /** How this registry takes blobs, read once from its entry: BlobUploader decides with it, nobody else. */
  readonly upload: UploadProfile;
  readonly #options: RegistryOptions;
  /** Tells the service of each attempt's answer, where it listens (options.heard). */
  readonly #heard: ((answer: UpstreamAnswer) => void) | undefined;
  readonly #tokens: TokenCache;
  readonly #auth: Map<string, AuthState>;
  readonly #secrets: Set<string>;
  readonly #gate: BackoffGate;
  /** Aborts every request of this view at once (a cancelled job); the learned auth is shared. */
  readonly signal: AbortSignal | undefined;
  /** Where this view's requests went, each hop's host (an audit record names them). */
  readonly #hosts: Set<string> | undefined;
  readonly #requests: { count: number } | undefined;
  readonly #maxWaitMs: number | undefined;
  readonly #trace: TraceContext | undefined;

  constructor(
    options: RegistryOptions,
    registryKey: string,
    tokens: TokenCache,
    gate: BackoffGate = new HostGate(),
    within: View = {},
    shared?: Shared,
  ) {
    this.#options = options;
    this.#gate = gate;
    this.signal = within.signal;
    this.#hosts = within.hosts;
    this.#requests = within.requests;
    this.#maxWaitMs = within.maxWaitMs;
    this.#trace = within.trace;
    this.registryKey = registryKey;
    // A view shares what its transport read of the entry once (the upload profile among it).
    this.registry = shared ? shared.registry : checkRegistryAllowed(options, registryKey);
    this.upload = shared ? shared.upload : (this.registry?.upload ?? ONE_PUT);
    this.#tokens = tokens;
    this.#auth = shared?.auth ?? new Map();
    this.#secrets = shared?.secrets ?? configuredSecrets(this.registry);
    const { heard } = options;
    // An entry added through the API is no part of the configuration the operator wrote.
    const registry = { key: registryKey, configured: !!this.registry && !this.registry.publicOnly };
    this.#heard = heard ? (answer) => heard(registry, answer) : undefined;
  }

  /** Waits as the runtime's clock does (a retry's pause). */
  pause(ms: number): Promise<void> {
    return this.#options.sleep(ms);
  }

  get referrerBounds(): ReferrerBounds {
    return this.#options.referrerBounds ?? DEFAULT_REFERRER_BOUNDS;
  }

  /** This registry's transport for one operation: its requests aborted by `signal`, their hosts noted. */
  within(view: View): RegistryTransport {
    return new RegistryTransport(this.#options, this.registryKey, this.#tokens, this.#gate, view, {
      registry: this.registry,
      upload: this.upload,
      auth: this.#auth,
      secrets: this.#secrets,
    });
  }

  /** Where reads go, in order: configured mirrors, then the registry itself. */
  readEndpoints(): Endpoint[] {
    const own = this.primaryEndpoint();
    const mirrors = (this.registry?.mirrors ?? []).map((base) => ({ base, credentials: undefined, mirror: true }));
    return [...mirrors, own];
  }

  primaryEndpoint(): Endpoint {
    return {
      base: registryBaseUrl(this.registry, this.registryKey),
      credentials: this.registry?.credentials,
      mirror: false,
    };
  }

  /** A URL the registry sent (or `answeredBy`, the mirror asked): checked by egress rules before any use. */
  checkUrl = (raw: string, kind: FollowKind, answeredBy?: URL): URL =>
    checkFollowUrl(this.registry, this.registryKey, raw, kind, answeredBy);

  async request(endpoint: Endpoint, req: RegistryRequest): Promise<Response> {
    const response = await this.#request(endpoint, req);
    markSecretsSent(response, this.#secrets);
    return response;
  }

  async #request(endpoint: Endpoint, req: RegistryRequest): Promise<Response> {
    const url = this.#resolve(endpoint, req.path);
    if (url.origin !== new URL(endpoint.base).origin) return this.#send(url, req, undefined);
    const state = await this.#authState(endpoint);
    let response = await this.#send(url, req, (await this.#authorization(endpoint, state, req.scopes, 'none')).header);
    if (response.status !== 401) return response;

    // The resource asked for (more) auth, or what we sent expired or was revoked: learn its challenge,
    // fetch a fresh token (issued credentials renewed unless just issued), and retry.
    const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
    await discardBody(response);
    if (challenges.length === 0) throw this.#unauthorized(endpoint, 'it sent no challenge');
    const challenged: AuthState = { kind: 'challenges', challenges };
    this.#auth.set(endpoint.base, challenged);
    const extra = challenges.find((c) => c.scheme === 'bearer')?.params.scope;
    const scopes = extra ? [...req.scopes, ...extra.split(' ')] : req.scopes;
    const fresh = await this.#authorization(endpoint, challenged, scopes, 'if-old');
    if (fresh.header === undefined) throw this.#unauthorized(endpoint, 'no credentials are configured');
    // A streamed body is gone once sent: the renewed credentials serve the blob's next attempt.
    if (req.body instanceof ReadableStream) {
      throw new AppError(
        'UPSTREAM_UNAUTHORIZED',
        `${endpoint.base} refused the credentials in the middle of an upload (renewed for the next attempt)`,
        { retryable: true },
      );
    }
    response = await this.#send(url, req, fresh.header);
    if (response.status === 401 && fresh.issued) {
      // Issued credentials the registry itself refuses (revoked before their time): renewed now, once.
      await discardBody(response);
      response = await this.#send(
        url,
        req,
        (await this.#authorization(endpoint, challenged, scopes, { refused: fresh.issued })).header,
      );
    }
    if (response.status === 401) {
      await discardBody(response);
      throw this.#unauthorized(endpoint, 'the credentials were rejected');
    }
    return response;
  }

  /**
   * A path we built ("/v2/..."), or an absolute URL the registry gave us (an upload Location, a Link page),
   * checked like a redirect. Nothing else: "//host/x" would resolve to another host.
   */
  #resolve(endpoint: Endpoint, path: string): URL {
    if (/^https?:\/\//i.test(path)) return this.checkUrl(path, 'location', new URL(endpoint.base));
    if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\'))
      throw new AppError('UPSTREAM_PROTOCOL', `refusing the request path "${path.slice(0, 100)}"`);
    return new URL(path, endpoint.base);
  }

  #unauthorized(endpoint: Endpoint, why: string): AppError {
    return new AppError('UPSTREAM_UNAUTHORIZED', `${endpoint.base} requires authentication: ${why}`);
  }

  /** An Authorization value sent: the token, or the Basic pair and its password, are secrets from now on. */
  #remember(authorization: string): void {
    const [scheme = '', value = ''] = authorization.split(' ', 2);
    if (value.length < MIN_SECRET_LENGTH) return;
    this.#secrets.add(value);
    if (scheme.toLowerCase() !== 'basic') return;
    try {
      const pair = atob(value);
      const password = pair.slice(pair.indexOf(':') + 1);
      if (password.length >= MIN_SECRET_LENGTH) this.#secrets.add(password);
    } catch {
      // not base64: the value itself is kept
    }
  }

  /**
   * Learns how the registry itself wants auth ahead of the first request that needs it, so a caller that
   * will talk to it soon overlaps the round trip with other work. (Not shared between concurrent callers:
   * on Workers a promise must not outlive the request that made it.)
   */
  async ping(): Promise<void> {
    await this.#authState(this.primaryEndpoint());
  }

  /** Docker's ping: GET /v2/ once per endpoint to learn whether and how it wants auth. */
  async #authState(endpoint: Endpoint): Promise<AuthState> {
    return this.#auth.get(endpoint.base) ?? (await this.#ping(endpoint));
  }

  async #ping(endpoint: Endpoint): Promise<AuthState> {
    const response = await this.#send(
      new URL('/v2/', endpoint.base),
      { method: 'GET', path: '/v2/', scopes: [], idempotent: true },
      undefined,
    );
    await discardBody(response);
    let state: AuthState;
    if (response.ok) state = { kind: 'none' };
    else if (response.status === 401)
      state = { kind: 'challenges', challenges: parseWwwAuthenticate(response.headers.get('www-authenticate')) };
    else if (response.status >= 500 || response.status === 429) {
      throw new AppError('UPSTREAM_UNAVAILABLE', `${endpoint.base}/v2/ answered ${response.status}`);
    } else
      throw new AppError(
        'UPSTREAM_PROTOCOL',
        `${endpoint.base} does not speak the registry v2 API (GET /v2/ answered ${response.status})`,
      );
    this.#auth.set(endpoint.base, state);
    return state;
  }

  /** The Authorization header for a request, and the issued credentials it came from (if any). */
  async #authorization(
    endpoint: Endpoint,
    state: AuthState,
    scopes: string[],
    renew: Renewal,
  ): Promise<{ header?: string; issued?: Credentials }> {
    const issued =
      endpoint.mirror || state.kind === 'none'
        ? undefined
        : await this.#options.issuedCredentials?.(this.registryKey, renew);
    const creds = issued ?? endpoint.credentials;
    const from = issued ? { issued } : {};
    if (creds?.token && !creds.username) return { header: `Bearer ${creds.token}`, ...from };
    if (state.kind === 'none') return from;
    const bearer = state.challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const scope: AuthScope = {
        registryKey: this.registryKey,
        credentials: creds,
        checkRealm: (raw) => this.checkUrl(raw, 'realm'),
      };
      try {
        return { header: `Bearer ${await this.#tokens.bearerToken(scope, bearer, scopes, renew !== 'none')}`, ...from };
      } catch (error) {
        // The token server refused issued credentials (revoked before their time): renewed now, once.
        if (!issued || typeof renew === 'object' || !isAppError(error) || error.code !== 'UPSTREAM_UNAUTHORIZED')
          throw error;
        return this.#authorization(endpoint, state, scopes, { refused: issued });
      }
    }
    if (state.challenges.some((c) => c.scheme === 'basic') && creds?.username)
      return { header: basicAuthorization(creds), ...from };
    return from;
  }

  /**
   * One request with retries; redirects are followed by hand. Credentials go only to the origin they were
   * made for, and the registry's configured extra headers only to the registry's own origin: never to a
   * blob host, an upload Location elsewhere, a mirror or another port.
   */
  async #send(url: URL, req: RegistryRequest, authorization: string | undefined): Promise<Response> {
    if (authorization) this.#remember(authorization);
    let current = url;
    let method = req.method;
    let body = req.body ?? null;
    const origin = url.origin;
    const registryOrigin = new URL(this.primaryEndpoint().base).origin;
    for (let hop = 0; ; hop++) {
      this.#hosts?.add(current.host);
      if (this.#requests) this.#requests.count++;
      const headers = new Headers(
        current.origin === registryOrigin ? { ...this.registry?.headers, ...req.headers } : req.headers,
      );
      if (authorization && current.origin === origin) headers.set('authorization', authorization);
      if (this.#trace) headers.set('traceparent', childTraceparent(this.#trace));
      const idempotent = req.idempotent ?? (method === 'GET' || method === 'HEAD');
      const init: RequestInit & { duplex?: 'half' } = { method, headers, body, redirect: 'manual' };
      if (body instanceof ReadableStream) init.duplex = 'half'; // Node's fetch needs it for a streamed body
      const response = await fetchWithRetry(
        {
          ...this.#options,
          gate: this.#gate,
          signal: this.signal,
          maxWaitMs: this.#maxWaitMs,
          ...(this.#heard ? { onAnswer: this.#heard } : {}),
          ...(this.registry?.pullReserve !== undefined ? { pullReserve: this.registry.pullReserve } : {}),
        },
        current,
        init,
        idempotent && !(body instanceof ReadableStream),
        req.native === true && method === 'GET',
      );
      const location = response.headers.get('location');
      if (!REDIRECT_STATUS.has(response.status) || !location) return response;
      await discardBody(response);
      if (hop === MAX_REDIRECTS) throw new AppError('UPSTREAM_PROTOCOL', `too many redirects from ${describeUrl(url)}`);
      const next = this.checkUrl(new URL(location, current).toString(), 'redirect', current);
      // A write goes where the caller's grants were checked, or nowhere: never to another origin.
      if (req.method !== 'GET' && req.method !== 'HEAD' && next.origin !== current.origin)
        throw new AppError(
          'ADDRESS_NOT_ALLOWED',
          `refusing a redirected ${req.method} to ${next.host}: a write is never followed to another origin`,
        );
      if (req.handBackRedirect && next.origin !== current.origin)
        return new Response(null, { status: 307, headers: { location: next.href } });
      current = next;
      if (response.status === 303) {
        method = 'GET';
        body = null;
      }
    }
  }
}
