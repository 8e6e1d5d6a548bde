import type { BulkFixture } from './bulk-images.js';
import type { Implementation } from './registries.js';
import type { ShapeFixture } from './shape-images.js';

export type OtherImplementation = Exclude<Implementation, 'distribution-2.8'>;
import type { OidcFixture } from './oidc.js';

// What the global setup hands to every test: where the registries are, and what skopeo saw there.

export type AuthMode = 'anonymous' | 'basic' | 'token';

export interface RegistryFixture {
  host: string;
  username?: string;
  password?: string;
  /** The token server beside a token registry: its entry must list it (a realm goes nowhere else). */
  authHosts?: string[];
}

/** skopeo's view of one image manifest (by digest). */
export interface SkopeoImageView {
  digest: string;
  raw: string;
  summary: {
    Digest: string;
    Architecture?: string;
    Os?: string;
    Created?: string;
    Labels?: Record<string, string> | null;
    Env?: string[] | null;
    Layers?: string[] | null;
  };
  config: Record<string, any>;
}

/** skopeo's view of one tagged test image: the top manifest and every image manifest under it. */
export interface SkopeoView {
  digest: string;
  mediaType: string;
  raw: string;
  images: Record<string, SkopeoImageView>;
}

export interface Fixture {
  registries: Record<AuthMode, RegistryFixture>;
  /** Copy targets: their own storage, the same three kinds of auth. */
  targets: Record<AuthMode, RegistryFixture>;
  /** A registry in read-only mode: it refuses every upload. */
  readOnlyRegistry: string;
  /** skopeo over HTTP (see judge.ts). */
  judge: string;
  /** On emptyRegistry: an image one of whose layers the registry lost. */
  brokenImage: { repository: string; tag: string; missingBlob: string };
  /** JWKS fixture for OIDC callers (see oidc.ts). */
  oidc: OidcFixture;
  /** A port on 127.0.0.1 that must never receive a connection; GET http://<report>/ tells how many it got. */
  canary: { port: number; report: string };
  /** An anonymous registry behind the fault-injecting proxy (same storage as the others). */
  faultProxy: string;
  /** The anonymous copy target behind a fault-injecting proxy of its own. */
  targetFaultProxy: string;
  /** Where the fault proxy redirects blob GETs in mode redirect-blobs (127.0.0.2); GET /__log lists what it saw. */
  blobStorage: string;
  /** A registry with its own, empty storage. */
  emptyRegistry: string;
  /** On the anonymous source registry: images at the size of the hosted limits (see bulk-images.ts). */
  bulk: BulkFixture;
  /**
   * Other registry implementations, anonymous, each holding the test images (`images`) as the source
   * registries do: distribution 3.x and go-containerregistry's registry (with the OCI 1.1 referrers API).
   */
  implementations: Record<OtherImplementation, { host: string }>;
  /**
   * The size of the many-tags load (test/jobs/many-tags-jobs-finish.test.ts): scaled down in CI; `npm run load`
   * sets FERRY_LOAD_REPOSITORIES and FERRY_LOAD_TAGS for the full 100 repositories of 100 tags.
   */
  load: { repositories: number; tags: number };
  /** `server`: the token server (host:port); GET /__log lists every token request it answered. */
  token: { refreshToken: string; server: string };
  images: { name: string; repository: string; tag: string }[];
  /**
   * Shapes pushed over the registry API to the anonymous source and every other implementation: foreign
   * layers, zstd, a standalone artifact, an image with a referrer (see shape-images.ts).
   */
  shapes: ShapeFixture[];
  skopeo: Record<AuthMode, Record<string, SkopeoView>>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixture: Fixture;
  }
}
