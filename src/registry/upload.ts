// Blob upload state machine: open (or mount), then one monolithic PUT or PATCH chunks and a closing PUT;
// a failed upload is cancelled with DELETE so the registry does not keep a half-written session.

import type { UploadProfile } from './options.js';
import { AppError } from '../errors.js';
import { discardBody } from './body.js';
import { pullScope, pushScope, type RegistryClient } from './client.js';
import { StreamSlicer, withKnownLength } from './streams.js';
import { upstreamError } from './upstream-errors.js';

export interface UploadSession {
  /** Absolute upload URL, as the registry last gave it. */
  location: string;
  /** OCI-Chunk-Min-Length, when the registry announced one. */
  minChunk: number | undefined;
}

interface ChunkOptions {
  start?: number;
  onChunk?: (session: UploadSession, offset: number) => Promise<void>;
  /** Stop once this many bytes went (at a chunk's end), leaving the upload open: the caller goes on later. */
  stopAfter?: number;
}

export type OpenResult = { mounted: true } | { mounted: false; session: UploadSession };

/**
 * Uploads blobs to one repository the way its registry takes them (ggcr's remote.write decides inside the
 * writer too): one PUT, or PATCH chunks of the registry's chunk size, which can be resumed and spread over
 * steps. The upload profile is the registry's; the service hands over blobs and never asks for it.
 */
export class BlobUploader {
  readonly #client: RegistryClient;
  readonly #repository: string;
  readonly #profile: UploadProfile;

  constructor(client: RegistryClient, repository: string) {
    this.#client = client;
    this.#repository = repository;
    this.#profile = client.transport.upload;
  }

  /** Whether blobs go in chunks here: only such an upload can be resumed, or spread over job steps. */
  get chunked(): boolean {
    return this.#profile.mode === 'chunked';
  }

  /** How many chunks a blob of `size` bytes takes here (none when it goes in one PUT). */
  chunksFor(size: number): number {
    return this.chunked ? Math.ceil(size / this.#profile.chunkSize) : 0;
  }

  /**
   * Sends the blob the way this registry takes it. `lengthKnown`: the body is a response body whose length
   * the runtime knows (one PUT pumps it natively). The options of a chunked upload: `start`, the offset the
   * session holds already; `onChunk`, told of each acknowledged chunk; `stopAfter`, a budget of bytes after
   * which the upload is left open (then where it stands is returned).
   */
  async put(
    session: UploadSession,
    digest: string,
    size: number,
    body: ReadableStream<Uint8Array>,
    options: ChunkOptions & { lengthKnown?: boolean } = {},
  ): Promise<{ session: UploadSession; offset: number } | undefined> {
    if (this.chunked) return this.#putChunked(session, digest, size, body, options);
    await this.putMonolithic(session, digest, size, body, options.lengthKnown);
    return undefined;
  }

  get #what(): string {
    return `${this.#client.registryKey}/${this.#repository}`;
  }

  #send(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    init: { headers?: Record<string, string>; body?: BodyInit | null; extraScopes?: string[] } = {},
  ) {
    const transport = this.#client.transport;
    return transport.request(transport.primaryEndpoint(), {
      method,
      path,
      scopes: [pushScope(this.#repository), ...(init.extraScopes ?? [])],
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      idempotent: false,
    });
  }

  #session(response: Response, previous?: UploadSession): UploadSession {
    const location = response.headers.get('location');
    if (!location && !previous)
      throw new AppError('UPSTREAM_PROTOCOL', `upload to ${this.#what}: the registry sent no Location`);
    const base = previous?.location ?? `${this.#client.transport.primaryEndpoint().base}/`;
    const absolute = location
      ? this.#client.transport.checkUrl(new URL(location, base).toString(), 'location', new URL(base)).toString()
      : previous!.location;
    const min = Number(response.headers.get('oci-chunk-min-length') ?? NaN);
    return { location: absolute, minChunk: Number.isFinite(min) && min > 0 ? min : previous?.minChunk };
  }

  /** Opens a plain upload session. */
  async start(): Promise<UploadSession> {
    const opened = await this.open();
    if (opened.mounted)
      throw new AppError(
        'UPSTREAM_PROTOCOL',
        `upload to ${this.#what}: the registry answered a plain upload as mounted`,
      );
    return opened.session;
  }

  /** Opens an upload; with `mountFrom`, asks the registry to mount the blob from another repository first. */
  async open(mountFrom?: { digest: string; repository: string }): Promise<OpenResult> {
    const query = mountFrom
      ? `?mount=${encodeURIComponent(mountFrom.digest)}&from=${encodeURIComponent(mountFrom.repository)}`
      : '';
    const response = await this.#send('POST', `/v2/${this.#repository}/blobs/uploads/${query}`, {
      headers: { 'content-length': '0' },
      ...(mountFrom ? { extraScopes: [pullScope(mountFrom.repository)] } : {}),
    });
    if (response.status === 201 && mountFrom) {
      await discardBody(response);
      return { mounted: true };
    }
    if (response.status !== 202) throw await upstreamError(response, `opening an upload to ${this.#what}`, 'POST');
    await discardBody(response);
    return { mounted: false, session: this.#session(response) };
  }

  /**
   * Sends the whole blob in one PUT with its Content-Length. `lengthKnown`: the body is a response body
   * the runtime already knows the length of (so it can pump it natively, without a length wrapper).
   */
  async putMonolithic(
    session: UploadSession,
    digest: string,
    size: number,
    body: ReadableStream<Uint8Array>,
    lengthKnown = false,
  ): Promise<void> {
    const response = await this.#send('PUT', withDigest(session.location, digest), {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: lengthKnown ? body : withKnownLength(body, size),
    });
    if (response.status !== 201) throw await upstreamError(response, `upload of ${digest} to ${this.#what}`, 'PUT');
    await discardBody(response);
  }

  /**
   * Sends the blob as PATCH chunks with Content-Range, then closes the upload with an empty PUT. `start`:
   * the offset the session already holds (a resumed upload; `body` then begins at that byte). `onChunk`
   * hears of every chunk the registry acknowledged, so the session can be recorded and resumed later.
   */
  async #putChunked(
    session: UploadSession,
    digest: string,
    size: number,
    body: ReadableStream<Uint8Array>,
    options: ChunkOptions,
  ): Promise<{ session: UploadSession; offset: number } | undefined> {
    const chunkSize = Math.max(this.#profile.chunkSize, session.minChunk ?? 0);
    const slicer = new StreamSlicer(body);
    let current = session;
    const start = options.start ?? 0;
    try {
      for (let offset = start; offset < size;) {
        if (options.stopAfter !== undefined && offset - start >= options.stopAfter) {
          // Not awaited: a cancel can wait for ever on a read workerd keeps pending; the rest is not ours to send.
          void slicer.cancel().catch(() => undefined);
          return { session: current, offset };
        }
        const length = Math.min(chunkSize, size - offset);
        const response = await this.#send('PATCH', current.location, {
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(length),
            'content-range': `${offset}-${offset + length - 1}`,
          },
          body: withKnownLength(slicer.next(length), length),
        });
        // 202 per the spec; ECR answers 201.
        if (response.status !== 202 && response.status !== 201)
          throw await upstreamError(
            response,
            `chunk ${offset}-${offset + length - 1} of ${digest} to ${this.#what}`,
            'PATCH',
          );
        await discardBody(response);
        current = this.#session(response, current);
        offset += length;
        await options.onChunk?.(current, offset);
      }
      if (!(await slicer.finished()))
        throw new AppError('UPSTREAM_PROTOCOL', `blob ${digest} is longer than its descriptor's ${size} bytes`);
    } catch (error) {
      void slicer.cancel().catch(() => undefined); // not awaited, as above
      throw error;
    }
    const response = await this.#send('PUT', withDigest(current.location, digest), {
      headers: { 'content-length': '0' },
      body: '',
    });
    if (response.status !== 201)
      throw await upstreamError(response, `closing the upload of ${digest} to ${this.#what}`, 'PUT');
    await discardBody(response);
    return undefined;
  }

  /**
   * How many bytes the registry holds for a session (GET on the upload URL, `Range: 0-N`), or undefined
   * when it no longer knows the session (expired, cancelled, or its state token no longer matches).
   */
  async status(session: UploadSession): Promise<number | undefined> {
    const response = await this.#client.transport.request(this.#client.transport.primaryEndpoint(), {
      method: 'GET',
      path: session.location,
      scopes: [pushScope(this.#repository)],
    });
    await discardBody(response);
    if (response.status !== 204) return undefined;
    const range = response.headers.get('range')?.match(/^(?:bytes=)?0-(\d+)$/);
    return range ? Number(range[1]) + 1 : 0;
  }

  /** Best effort: a session the registry no longer knows is already gone. */
  async cancel(session: UploadSession): Promise<void> {
    try {
      await discardBody(await this.#send('DELETE', session.location));
    } catch {
      // nothing more to do; the registry purges stale uploads itself
    }
  }
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}
