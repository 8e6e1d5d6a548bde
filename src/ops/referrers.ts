// Referrers of a manifest (signatures, SBOMs, attestations, promotion records): found through the OCI 1.1
// referrers API where a registry has it, and otherwise through the `sha256-<hex>` tag fallback: an index
// that whoever pushes a referrer keeps up to date (distribution 2.8 and other pre-1.1 registries).

import { AppError, isAppError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { MediaType, parseManifest, type Descriptor, type ParsedManifest } from '../registry/manifest.js';
import { runPool } from '../pool.js';

/** The fallback tag for `digest`; cosign's `.sig`, `.att` and `.sbom` tags are built on it too. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

async function readFallback(client: RegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  try {
    const index = await client.getManifest(repository, referrersTag(digest));
    const parsed = parseManifest(index.bytes, index.mediaType);
    const { entries } = client.transport.referrerBounds;
    if (parsed.kind === 'index' && parsed.manifests.length > entries)
      throw new AppError(
        'LIMIT_EXCEEDED',
        `referrers of ${client.registryKey}/${repository}@${digest}: more than ${entries} entries ` +
          '(limits.referrerEntries)',
      );
    return parsed.kind === 'index' ? parsed.manifests : [];
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return [];
    throw error;
  }
}

/** Everything that refers to `digest` in the repository. */
export async function listReferrers(client: RegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  return (await client.referrers(repository, digest)) ?? readFallback(client, repository, digest);
}

// Referrer manifests read at once to check their subject.
const SUBJECT_READS = 8;

/**
 * The referrers of `digest` whose own manifest names it as `subject`, in the order listed. Whoever may push
 * to the repository writes the fallback index, and a registry's list is its say-so: each listed manifest is
 * read (within limits.referrerEntries) before anyone is shown or copies it as this image's.
 */
export async function referrersNaming(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<Descriptor[]> {
  const listed = await listReferrers(client, repository, digest);
  const named = new Array<Descriptor | undefined>(listed.length);
  await runPool([...listed.keys()], SUBJECT_READS, async (i) => {
    const d = listed[i]!;
    if (d.digest === digest) return;
    try {
      const manifest = await client.getManifest(repository, d.digest);
      const parsed = parseManifest(manifest.bytes, manifest.mediaType);
      if (parsed.subject?.digest === digest) named[i] = asListed(d, parsed);
    } catch (error) {
      if (!isAppError(error) || !NOT_A_REFERRER.has(error.code)) throw error;
    }
  });
  return named.filter((d): d is Descriptor => d !== undefined);
}

/**
 * The descriptor as the spec has a referrers list describe a manifest: its own artifactType (else its config's
 * media type) and its own annotations. A registry's list may say otherwise (go-containerregistry's types every
 * referrer by its config).
 */
function asListed(listed: Descriptor, manifest: ParsedManifest): Descriptor {
  const { artifactType: _said, annotations: _saidToo, ...rest } = listed;
  const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
  return {
    ...rest,
    mediaType: manifest.mediaType,
    ...(artifactType ? { artifactType } : {}),
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
}

// A listed manifest that is gone or is no manifest refers to nothing.
const NOT_A_REFERRER = new Set(['NOT_FOUND', 'MANIFEST_INVALID', 'UNSUPPORTED_MEDIA_TYPE']);

/**
 * Makes referrers already pushed (their manifests name `digest` as `subject`) findable: a registry with the
 * referrers API lists them by itself; otherwise they are merged into the fallback index, keeping the
 * entries it has. (Read-modify-write: two writers at the same instant can lose one entry; the manifests
 * themselves stay.)
 */
export async function indexReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
  added: Descriptor[],
): Promise<void> {
  if (!added.length) return;
  if ((await client.referrers(repository, digest, { primary: true })) !== null) return;
  const existing = await readFallback(client, repository, digest);
  const known = new Set(existing.map((d) => d.digest));
  const fresh = added.filter((d) => !known.has(d.digest));
  if (!fresh.length) return;
  const index = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...existing, ...fresh] }),
  );
  await client.putManifest(repository, referrersTag(digest), index, MediaType.OciIndex);
}

/**
 * A manifest just written that names a `subject` (a signature, an SBOM) is listed under it, as crane and oras
 * push one: where the registry has no referrers API, the fallback index gains it. Other manifests: nothing.
 */
export async function listUnderSubject(
  client: RegistryClient,
  repository: string,
  manifest: { digest: string; mediaType: string; bytes: Uint8Array },
): Promise<void> {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType);
  if (!parsed.subject) return;
  const { digest, mediaType, bytes } = manifest;
  await indexReferrers(client, repository, parsed.subject.digest, [
    asListed({ digest, mediaType, size: bytes.byteLength }, parsed),
  ]);
}

/** `signatures`: verified ones only; `unverified`: what looks like a signature and nobody verified. */
export type ReferrerKind = 'signatures' | 'unverified' | 'sboms' | 'attestations' | 'promotions' | 'other';

export interface ReferrerEntry {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  /** cosign's tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom`) rather than the referrers API. */
  tag?: string;
  annotations?: Record<string, string>;
  /** The promotion rule whose signers accepted it, and who signed. */
  verifiedBy?: { rule: string; identity: string };
}

export type GroupedReferrers = Record<ReferrerKind, ReferrerEntry[]>;

// The predicate cosign gives a plain signature when it writes a Sigstore bundle.
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
// Artifact types by what people look for; the first match wins.
const KINDS: [RegExp, ReferrerKind][] = [
  [/^application\/vnd\.ferry\.promotion\b/, 'promotions'],
  [/^application\/vnd\.(dev\.cosign\.artifact\.sig|cncf\.notary\.signature)\b/, 'unverified'],
  [/spdx|cyclonedx|syft|\bsbom\b/i, 'sboms'],
  [/in-toto|dsse|attestation|provenance|\.att\b/i, 'attestations'],
];

function kindOf(entry: ReferrerEntry): ReferrerKind {
  const type = entry.artifactType ?? '';
  if (type.startsWith('application/vnd.dev.sigstore.bundle')) {
    // A bundle holds a signature or an attestation: its predicate type says which.
    const predicate = entry.annotations?.['dev.sigstore.bundle.predicateType'];
    return predicate === undefined || predicate === SIGN_PREDICATE ? 'unverified' : 'attestations';
  }
  return KINDS.find(([pattern]) => pattern.test(type))?.[1] ?? 'other';
}

const COSIGN_TAGS: [suffix: string, kind: ReferrerKind][] = [
  ['sig', 'unverified'],
  ['att', 'attestations'],
  ['sbom', 'sboms'],
];

/**
 * What refers to `digest` in its repository, grouped for people: referrers that name it as subject (the API,
 * or its fallback tag) by artifact type, and cosign's signature, attestation and SBOM tags. Every signature is
 * `unverified` until markVerified moves it.
 */
export async function groupedReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<GroupedReferrers> {
  const groups: GroupedReferrers = {
    signatures: [],
    unverified: [],
    sboms: [],
    attestations: [],
    promotions: [],
    other: [],
  };
  const [listed, ...tagged] = await Promise.all([
    referrersNaming(client, repository, digest),
    ...COSIGN_TAGS.map(([suffix]) => client.headManifest(repository, `${referrersTag(digest)}.${suffix}`)),
  ]);
  for (const d of listed) {
    const entry: ReferrerEntry = {
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      ...(d.artifactType ? { artifactType: d.artifactType } : {}),
      ...(d.annotations ? { annotations: d.annotations } : {}),
    };
    groups[kindOf(entry)].push(entry);
  }
  tagged.forEach((head, i) => {
    const [suffix, kind] = COSIGN_TAGS[i]!;
    if (head)
      groups[kind].push({
        digest: head.digest,
        mediaType: head.mediaType,
        size: head.size,
        tag: `${referrersTag(digest)}.${suffix}`,
      });
  });
  return groups;
}

/**
 * Moves the signature a rule accepted (`where`, as the signature gate names it: "repo:tag layers[0]" or
 * "repo@digest") from `unverified` to `signatures`.
 */
export function markVerified(
  groups: GroupedReferrers,
  repository: string,
  accepted: { rule: string; where: string; identity: string },
): void {
  const at = (entry: ReferrerEntry) => {
    const place = entry.tag ? `${repository}:${entry.tag}` : `${repository}@${entry.digest}`;
    return accepted.where === place || accepted.where.startsWith(`${place} `);
  };
  const index = groups.unverified.findIndex(at);
  if (index < 0) return;
  const [entry] = groups.unverified.splice(index, 1);
  groups.signatures.push({ ...entry!, verifiedBy: { rule: accepted.rule, identity: accepted.identity } });
}
