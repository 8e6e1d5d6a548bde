// OCI distribution client for one registry: manifests, blobs and tags, reading through mirrors first.

import { parseRateLimit, type RateLimit } from './rate-limit.js';
import { AppError, isAppError } from '../errors.js';
import type { TokenCache } from './auth.js';
import { BodyTooLargeError, discardBody, readLimited } from './body.js';
import { computeDigest, verifyDigest } from './digest.js';
import { asDescriptor, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, MediaType, type Descriptor } from './manifest.js';
import { isValidDigest, isValidTag } from '../reference.js';
import { fullPageNext, nextLink, parseJsonObject, readJson } from './json-answers.js';
import { RegistryTransport, type Endpoint, type RegistryRequest, type View } from './transport.js';
import { upstreamError } from './upstream-errors.js';
import type { RegistryOptions } from './options.js';
import { describeCause, type BackoffGate } from './retry.js';

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
  /** The pull quota the registry announced with this answer (Docker Hub). */
  rateLimit?: RateLimit;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface TagPage {
  tags: string[];
  /** Pass as `last` to get the next page; absent on the last page. */
  next?: string;
}

// Without a page size we follow Link pages up to this many, so one call cannot loop forever.
const MAX_TAG_PAGES = 100;
// Asked for explicitly so registries that would cut a page silently (distribution's default) send a Link.
const DEFAULT_TAG_PAGE_SIZE = 1000;
// Pushes of one manifest that may meet another writer's half-written copy before one of them lands.
const MANIFEST_RACE_RETRIES = 5;

/** A 400 DIGEST_INVALID (its body discarded), or anything else (left as it is). */
async function digestRace(response: Response): Promise<boolean> {
  if (response.status !== 400 || !(await response.clone().text()).includes('DIGEST_INVALID')) return false;
  await discardBody(response);
  return true;
}
const MAX_TAG_PAGE_BYTES = 4 * 1024 * 1024;
const MAX_REFERRER_PAGES = 20;

export const pullScope = (repository: string) => `repository:${repository}:pull`;
export const pushScope = (repository: string) => `repository:${repository}:pull,push`;

export interface ReadOptions {
  /** Ask the registry itself, not its mirrors (a copy's target). */
  primary?: boolean;
}

function isDigest(reference: string): boolean {
  return reference.includes(':');
}

// Every request path is built here from checked parts: a tag or digest a registry handed us (a tag list,
// a descriptor) can name no other path, such as "../../other/repo/manifests/latest".
function checkedReference(reference: string): string {
  if (isDigest(reference) ? isValidDigest(reference) : isValidTag(reference)) return reference;
  throw new AppError(
    'UPSTREAM_PROTOCOL',
    `"${reference.slice(0, 200)}" is not a valid ${isDigest(reference) ? 'digest' : 'tag'}`,
  );
}

const manifestPath = (repository: string, reference: string) =>
  `/v2/${repository}/manifests/${checkedReference(reference)}`;
const blobPath = (repository: string, digest: string) => {
  if (!isValidDigest(digest))
    throw new AppError('UPSTREAM_PROTOCOL', `"${digest.slice(0, 200)}" is not a valid digest`);
  return `/v2/${repository}/blobs/${digest}`;
};

export class RegistryClient {
  readonly transport: RegistryTransport;

  constructor(transport: RegistryTransport) {
    this.transport = transport;
  }

  static create(options: RegistryOptions, registryKey: string, tokens: TokenCache, gate?: BackoffGate): RegistryClient {
    return new RegistryClient(new RegistryTransport(options, registryKey, tokens, gate));
  }

  /** This client for one operation: requests aborted by its signal (a job's cancel), their hosts noted. */
  within(view: View): RegistryClient {
    return Object.values(view).some((v) => v !== undefined) ? new RegistryClient(this.transport.within(view)) : this;
  }

  get registryKey(): string {
    return this.transport.registryKey;
  }

  /**
   * Runs a read against each endpoint in turn (mirrors first, as Docker's pull did); the registry's own
   * error wins. A copy's target is read from the registry itself (`primary`): a mirror says nothing of it.
   */
  async #read<T>(operation: (endpoint: Endpoint) => Promise<T>, primary = false): Promise<T> {
    const endpoints = primary ? [this.transport.primaryEndpoint()] : this.transport.readEndpoints();
    for (const [i, endpoint] of endpoints.entries()) {
      try {
        return await operation(endpoint);
      } catch (error) {
        if (!endpoint.mirror || i === endpoints.length - 1) throw error;
        // Egress refusals are configuration errors, not a mirror being down.
        if (isAppError(error) && (error.code === 'ADDRESS_NOT_ALLOWED' || error.code === 'INSECURE_NOT_ALLOWED'))
          throw error;
      }
    }
    throw new AppError('INTERNAL', 'no endpoint to read from');
  }

  #request(endpoint: Endpoint, repository: string, req: Omit<RegistryRequest, 'scopes'>): Promise<Response> {
    return this.transport.request(endpoint, { ...req, scopes: [pullScope(repository)] });
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `manifest ${this.registryKey}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    return this.#read(async (endpoint) => {
      const response = await this.#request(endpoint, repository, {
        method: 'GET',
        path: manifestPath(repository, reference),
        headers: { accept: MANIFEST_ACCEPT },
      });
      if (!response.ok) throw await upstreamError(response, what);
      let bytes: Uint8Array;
      try {
        bytes = await readLimited(response, MAX_MANIFEST_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          throw new AppError('MANIFEST_TOO_LARGE', `${what} is larger than ${MAX_MANIFEST_BYTES} bytes`);
        throw new AppError(
          'UPSTREAM_UNAVAILABLE',
          `${what}: the body broke off after the response headers arrived: ${describeCause(error)}`,
          { cause: error },
        );
      }
      const expected = isDigest(reference) ? reference : (response.headers.get('docker-content-digest') ?? undefined);
      const digest = expected ? await verifyDigest(bytes, expected, what) : await computeDigest(bytes);
      const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
      const rateLimit = parseRateLimit(response.headers);
      return { bytes, mediaType, digest, ...(rateLimit ? { rateLimit } : {}) };
    });
  }

  /** HEAD a manifest; null when it does not exist. */
  async headManifest(repository: string, reference: string, options: ReadOptions = {}): Promise<ManifestHead | null> {
    const what = `manifest ${this.registryKey}/${repository}:${reference}`;
    return this.#read(async (endpoint) => {
      const response = await this.#request(endpoint, repository, {
        method: 'HEAD',
        path: manifestPath(repository, reference),
        headers: { accept: MANIFEST_ACCEPT },
      });
      await discardBody(response);
      if (response.status === 404) return null;
      if (!response.ok) throw await upstreamError(response, what, 'HEAD');
      const digest = response.headers.get('docker-content-digest');
      // Whoever reads a HEAD uses its digest in requests and links: a malformed one is the registry's fault.
      if (digest && !isValidDigest(digest))
        throw new AppError(
          'UPSTREAM_PROTOCOL',
          `${what}: the registry answered with a malformed Docker-Content-Digest`,
        );
      // Some registries omit the digest on HEAD: fall back to reading the manifest.
      if (!digest) {
        const fetched = await this.getManifest(repository, reference);
        return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.bytes.byteLength };
      }
      return {
        digest,
        mediaType: response.headers.get('content-type')?.split(';')[0]?.trim() ?? '',
        size: Number(response.headers.get('content-length') ?? -1),
      };
    }, options.primary);
  }

  async headBlob(repository: string, digest: string, options: ReadOptions = {}): Promise<{ size: number } | null> {
    return this.#read(async (endpoint) => {
      const response = await this.#request(endpoint, repository, {
        method: 'HEAD',
        path: blobPath(repository, digest),
      });
      await discardBody(response);
      if (response.status === 404) return null;
      if (!response.ok) throw await upstreamError(response, `blob ${this.registryKey}/${repository}@${digest}`, 'HEAD');
      return { size: Number(response.headers.get('content-length') ?? -1) };
    }, options.primary);
  }

  /** PUT a manifest's bytes as they are, under a digest or a tag. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const what = `push of manifest ${this.registryKey}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const put = () =>
      this.transport.request(this.transport.primaryEndpoint(), {
        method: 'PUT',
        path: manifestPath(repository, reference),
        scopes: [pushScope(repository)],
        headers: { 'content-type': mediaType },
        body: bytes as Uint8Array<ArrayBuffer>,
        idempotent: true, // the same bytes under the same name: repeating it is harmless
      });
    let response = await put();
    // Pushes of the same manifest at once (copies or batches whose images share it) can make distribution's
    // storage answer DIGEST_INVALID for bytes that do match: its filesystem driver writes content in place,
    // and one writer's check reads another's half-written copy (2.8; docs/reliability.md). By digest (bytes
    // checked here), the push is done once the registry holds it; by tag, the same bytes are sent again.
    const byDigest = isDigest(reference);
    const checked = !byDigest || (await computeDigest(bytes)) === reference;
    for (let attempt = 1; checked && attempt <= MANIFEST_RACE_RETRIES && (await digestRace(response)); attempt++) {
      if (byDigest && (await this.headManifest(repository, reference))) return reference;
      await this.transport.pause(attempt * 25 + Math.floor(Math.random() * 50));
      response = await put();
    }
    if (response.status !== 201 && response.status !== 200) throw await upstreamError(response, what, 'PUT');
    await discardBody(response);
    return response.headers.get('docker-content-digest') ?? (await computeDigest(bytes));
  }

  /**
   * Opens a blob as a stream (redirects to storage followed without credentials). With `from`, asks for
   * the bytes from that offset on (`Range: bytes=N-`), with `range` a client's own Range; the caller checks
   * for a 206. With `handBackRedirect`, a redirect to storage comes back as a 307 naming it. The body is
   * the runtime's own (pumped natively into an upload) unless `watched` puts it under the idle deadline.
   */
  async getBlob(
    repository: string,
    digest: string,
    options: { from?: number; range?: string; watched?: boolean; handBackRedirect?: boolean } = {},
  ): Promise<Response> {
    const range = options.range ?? (options.from ? `bytes=${options.from}-` : undefined);
    return this.#read(async (endpoint) => {
      const response = await this.#request(endpoint, repository, {
        method: 'GET',
        path: blobPath(repository, digest),
        native: options.watched !== true,
        ...(range ? { headers: { range } } : {}),
        ...(options.handBackRedirect ? { handBackRedirect: true } : {}),
      });
      if (options.handBackRedirect && response.status === 307) return response;
      if (!response.ok) throw await upstreamError(response, `blob ${this.registryKey}/${repository}@${digest}`);
      return response;
    });
  }

  /** Reads a small blob (an image config) into memory, capped and verified. */
  async readBlob(repository: string, digest: string, maxBytes: number): Promise<Uint8Array> {
    const what = `blob ${this.registryKey}/${repository}@${digest}`;
    const response = await this.getBlob(repository, digest, { watched: true });
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(response, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        throw new AppError('UPSTREAM_PROTOCOL', `${what} is larger than ${maxBytes} bytes`);
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        `${what}: the body broke off after the response headers arrived: ${describeCause(error)}`,
        { cause: error },
      );
    }
    await verifyDigest(bytes, digest, what);
    return bytes;
  }

  /**
   * The OCI 1.1 referrers API: descriptors of the manifests whose `subject` is `digest`, every page. Null
   * when the registry has no such API (it answers 404: distribution 2.8 and other pre-1.1 registries),
   * which sends the caller to the `sha256-<hex>` tag fallback.
   */
  async referrers(repository: string, digest: string, options: ReadOptions = {}): Promise<Descriptor[] | null> {
    const what = `referrers of ${this.registryKey}/${repository}@${digest}`;
    const bounds = this.transport.referrerBounds;
    const over = (why: string) =>
      new AppError('LIMIT_EXCEEDED', `${what}: more than ${why} (limits.referrerEntries, limits.referrerBytes)`);
    return this.#read(async (endpoint) => {
      let path: string | undefined = `/v2/${repository}/referrers/${digest}`;
      const found: Descriptor[] = [];
      let bytes = 0;
      for (let page = 0; path !== undefined; page++) {
        if (page === MAX_REFERRER_PAGES)
          throw new AppError('UPSTREAM_PROTOCOL', `${what}: more than ${MAX_REFERRER_PAGES} pages`);
        const response = await this.#request(endpoint, repository, {
          method: 'GET',
          path,
          headers: { accept: MediaType.OciIndex },
        });
        if (response.status === 404 && page === 0) {
          await discardBody(response);
          return null;
        }
        if (!response.ok) throw await upstreamError(response, what);
        // Every page counts against one budget of bytes and entries: read no byte past it.
        const room = bounds.bytes - bytes;
        let raw: Uint8Array;
        try {
          raw = await readLimited(response, Math.min(MAX_MANIFEST_BYTES, room));
        } catch (error) {
          if (error instanceof BodyTooLargeError)
            throw room < MAX_MANIFEST_BYTES ? over(`${bounds.bytes} bytes`) : error;
          throw error;
        }
        bytes += raw.byteLength;
        const body = parseJsonObject(raw, what);
        if (!Array.isArray(body.manifests))
          throw new AppError('UPSTREAM_PROTOCOL', `${what}: the answer is not an image index`);
        if (found.length + body.manifests.length > bounds.entries) throw over(`${bounds.entries} entries`);
        found.push(...body.manifests.map((d, i) => asDescriptor(d, `referrers manifests[${i}]`)));
        path = nextLink(response.headers.get('link'), new URL(path, endpoint.base), (raw) =>
          this.transport.checkUrl(raw, 'link', new URL(endpoint.base)),
        )?.href;
      }
      return found;
    }, options.primary);
  }

  /**
   * Lists tags. With `n`, one page (the registry's `Link` gives `next`); without, every page up to a cap.
   */
  async listTags(repository: string, options: { n?: number; last?: string; pageSize?: number } = {}): Promise<TagPage> {
    const what = `tags of ${this.registryKey}/${repository}`;
    return this.#read(async (endpoint) => {
      const query = new URLSearchParams();
      const n = options.n ?? options.pageSize ?? DEFAULT_TAG_PAGE_SIZE;
      query.set('n', String(n));
      if (options.last !== undefined) query.set('last', options.last);
      let path: string | undefined = `/v2/${repository}/tags/list${query.size ? `?${query}` : ''}`;
      const tags: string[] = [];
      const seen = new Set<string>();
      let linked = false;
      for (let page = 0; path !== undefined; page++) {
        if (page === MAX_TAG_PAGES)
          throw new AppError('UPSTREAM_PROTOCOL', `${what}: more than ${MAX_TAG_PAGES} pages; ask with n and last`);
        const response = await this.#request(endpoint, repository, { method: 'GET', path });
        if (!response.ok) throw await upstreamError(response, what);
        const body = await readJson(response, MAX_TAG_PAGE_BYTES, what);
        // Only tags not listed yet: a registry past its last tag may start over (go-containerregistry does).
        const listed = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
        const fresh = listed.filter((t) => !seen.has(t) && (seen.add(t), true));
        tags.push(...fresh);
        const link = nextLink(response.headers.get('link'), new URL(path, endpoint.base), (raw) =>
          this.transport.checkUrl(raw, 'link', new URL(endpoint.base)),
        );
        linked ||= link !== undefined;
        // A registry that links its pages says where they end; one that never did is asked after a full page.
        const next: URL | undefined =
          link ?? (linked || (page > 0 && !fresh.length) ? undefined : fullPageNext(path, endpoint.base, fresh, n));
        if (options.n !== undefined) {
          // A registry that ignores n (distribution 2.8 does) sends everything: the page is cut here, and
          // the next one starts after its last tag (every registry honours `last`).
          if (tags.length > options.n) {
            // Such a registry may list in storage order and ignore `last` too: page in lexical order, as the API does.
            const after = [...tags].sort().filter((t) => options.last === undefined || t > options.last);
            const page = after.slice(0, options.n);
            return after.length > options.n ? { tags: page, next: page[page.length - 1]! } : { tags: page };
          }
          const last = next?.searchParams.get('last') ?? undefined;
          return last === undefined ? { tags } : { tags, next: last };
        }
        path = next?.href;
      }
      return { tags };
    });
  }

  /**
   * One page of the registry's catalog (`/v2/_catalog`, where the registry offers it): repository names
   * after `last`, and where the next page starts. Its `Link` is checked as every upstream URL is.
   */
  async catalog(options: { n: number; last?: string }): Promise<{ repositories: string[]; next?: string }> {
    const what = `the catalog of ${this.registryKey}`;
    return this.#read(async (endpoint) => {
      const query = new URLSearchParams({ n: String(options.n) });
      if (options.last !== undefined) query.set('last', options.last);
      const path = `/v2/_catalog?${query}`;
      const response = await this.transport.request(endpoint, { method: 'GET', path, scopes: ['registry:catalog:*'] });
      if (!response.ok) throw await upstreamError(response, what);
      const body = await readJson(response, MAX_TAG_PAGE_BYTES, what);
      const names = Array.isArray(body.repositories)
        ? body.repositories.filter((r): r is string => typeof r === 'string')
        : [];
      const next = nextLink(response.headers.get('link'), new URL(path, endpoint.base), (raw) =>
        this.transport.checkUrl(raw, 'link', new URL(endpoint.base)),
      );
      const repositories = names.slice(0, options.n);
      const last =
        next?.searchParams.get('last') ??
        (names.length > options.n ? repositories[repositories.length - 1] : undefined);
      return last === undefined ? { repositories } : { repositories, next: last };
    }, true); // a mirror's catalog is the mirror's
  }
}
