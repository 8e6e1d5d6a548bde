// What the registry layer is given by the service: network, clock and log, and which registries it may
// reach. Not the service's Deps or whole configuration: this layer knows registries, nothing else.

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * What Ferry's own fetch on Node (entries/node-fetch.ts) reads besides RequestInit, for what only the
 * socket sees: the connect and socket idle deadlines (src/registry/deadlines.ts), and the address the
 * egress check approved (src/registry/egress.ts), connected to without another lookup. Other fetches
 * ignore these fields.
 */
export interface ConnectionInit extends RequestInit {
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  address?: string;
}

export interface Credentials {
  username?: string;
  password?: string;
  /** A ready bearer token sent as is (e.g. a PAT some registries accept). */
  token?: string;
  /** An OAuth2 refresh token exchanged with a POST to the token realm (ACR, GAR-style). */
  identityToken?: string;
}

export interface RegistryConfig {
  /** The key: host[:port], lowercase. */
  host: string;
  /** Plain http is allowed only for registries configured with this flag. */
  insecure: boolean;
  credentials: Credentials | undefined;
  /** Pull endpoints (scheme://host[:port]) tried in order before the registry itself. */
  mirrors: string[];
  headers: Record<string, string>;
  /** Extra hosts the registry may send us to for tokens (realm) besides its own hostname. */
  authHosts: string[];
  /** Hosts the registry may redirect blob downloads and uploads to (storage, CDN); "*.example.com" allowed. */
  blobHosts: string[];
  /** How blobs are uploaded here: one PUT (default), or PATCH chunks of `chunkSize` bytes. */
  upload: UploadProfile;
  /**
   * Added through the API (not by the operator): reached only at public addresses, like a registry
   * nobody configured, unless `managedRegistries.allowPrivateAddresses`.
   */
  publicOnly?: boolean;
  /** Pulls of an announced quota kept back: at or below it, requests wait for the quota's window. */
  pullReserve?: number;
}

/** How a registry nobody configured takes blobs: one PUT. */
export const ONE_PUT: UploadProfile = { mode: 'monolithic', chunkSize: 0 };

export interface UploadProfile {
  mode: 'monolithic' | 'chunked';
  chunkSize: number;
}

/** Which registries may be called: the configured ones, and other public hosts when allowed. */
export interface RegistryReach {
  registries: ReadonlyMap<string, RegistryConfig>;
  allowPublicRegistries: boolean;
}

/**
 * When issued credentials are fetched anew: `none` (only near their expiry), `if-old` (the registry
 * answered 401, which mostly wants a token for another scope: renewed unless just issued), or `refused`
 * (the registry or its token server refused these very credentials: renewed now, unless already replaced).
 */
export type Renewal = 'none' | 'if-old' | { refused: Credentials };

/** How long one upstream request may take, by phase (src/registry/deadlines.ts applies them). */
export interface Deadlines {
  /** Until the connection is up (Node only: other runtimes' fetch has no separate phase; see headersMs). */
  connectMs: number;
  /** Until the answer's headers, from the request's start (a streamed upload: see fetchWithin). */
  headersMs: number;
  /**
   * Between two chunks of an answer's body as it is read; on Node also a socket with no traffic either
   * way (a target that stops taking an upload).
   */
  idleMs: number;
}

/** How much of a manifest's referrers is read, across every page (a hostile registry lists without end). */
export interface ReferrerBounds {
  entries: number;
  bytes: number;
}

export const DEFAULT_REFERRER_BOUNDS: ReferrerBounds = { entries: 1000, bytes: 4 * 1024 * 1024 };

/** One attempt at an upstream request, as the service hears of it (its metrics). */
export interface UpstreamAnswer {
  status?: number;
  failure?: 'timeout' | 'error';
  seconds: number;
  /** Not the first attempt. */
  retry: boolean;
  /** What the registry said remains of its pull quota (RateLimit-Remaining). */
  remaining?: number;
}

export interface RegistryIo {
  fetch: FetchLike;
  /**
   * Told of every attempt at a request to a registry: its answer (or failure), under the registry the
   * transport serves and whether the configuration names it (the service counts them: its metrics).
   */
  heard?: (registry: { key: string; configured: boolean }, answer: UpstreamAnswer) => void;
  /** DEFAULT_REFERRER_BOUNDS when absent. */
  referrerBounds?: ReferrerBounds;
  /** Connect, headers and idle deadlines of every request (DEFAULT_DEADLINES when absent). */
  deadlines?: Deadlines;
  /**
   * Credentials a cloud issues for a while (ECR and the like), in place of the configured ones. Undefined
   * for an entry whose credentials are stored.
   */
  issuedCredentials?(registryKey: string, renew: Renewal): Promise<Credentials | undefined>;
  sleep(ms: number): Promise<void>;
  now(): number;
  log: Logger;
  /**
   * What stopped a request that got no answer, where the runtime's own error does not say (workerd: "Network
   * connection lost" for a refused connection too): e.g. "cannot connect to 127.0.0.1:5000".
   */
  explainNetworkFailure?(url: URL): Promise<string | undefined>;
}

export interface RegistryOptions extends RegistryReach, RegistryIo {}
