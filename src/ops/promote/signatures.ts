// The signature gate of a promotion rule (`verify`): reads what may sign the image from the SOURCE
// repository (cosign's `sha256-<hex>.sig/.att` tags, and OCI referrers: cosign, Sigstore bundles,
// Notation), and lets src/signatures decide. Nothing found: SIGNATURE_MISSING; found, none verifies:
// SIGNATURE_INVALID with the reason per signature tried.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import type { RegistryClient } from '../../registry/client.js';
import { parseManifest, type Descriptor } from '../../registry/manifest.js';
import type { PromotionRule, SignerPolicy, VerifyPolicy } from '../../config/rules.js';
import type { Attempt, Found, SignatureOutcome } from '../../signatures/found.js';
import { CertificateError, parseCertificatesPem } from '../../signatures/certificates.js';
import { EncodingError } from '../../encoding.js';
import { parsePublicKeyPem, KeyError } from '../../signatures/public-keys.js';
import { parseTrustedRoot, TrustedRootError } from '../../signatures/trusted-root.js';
import { compilePattern } from '../../patterns.js';
import { mayAttest, verifyAttestation, verifyImageSignature, type Signer } from '../../signatures/verify-image.js';
import { registryClient } from '../registries/index.js';
import { listReferrers, referrersTag } from '../referrers.js';

export const SignatureMedia = {
  SimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  Dsse: 'application/vnd.dsse.envelope.v1+json',
  CosignArtifact: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  SigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  Notation: 'application/vnd.cncf.notary.signature',
} as const;

const Annotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  rekorBundle: 'dev.sigstore.cosign/bundle',
  timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

// Bounds on what a source repository can make Ferry read for one promotion.
const MAX_LAYERS = 16;
const MAX_REFERRERS = 32;
const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface VerifiedImage {
  signature?: SignatureOutcome;
  attestations: SignatureOutcome[];
}

/** Runs the rule's gate for `digest` in the source repository; returns what verified, or throws. */
export async function verifyForPromotion(
  deps: Deps,
  rule: PromotionRule,
  registry: string,
  repository: string,
  digest: string,
): Promise<VerifiedImage | undefined> {
  if (!rule.verify) return undefined;
  try {
    const verified = await verifyGate(deps, rule, registry, repository, digest);
    deps.metrics?.count('signatureVerdicts', { verdict: 'verified' });
    return verified;
  } catch (error) {
    if (isAppError(error) && error.code.startsWith('SIGNATURE_'))
      deps.metrics?.count('signatureVerdicts', { verdict: 'refused' });
    throw error;
  }
}

async function verifyGate(
  deps: Deps,
  rule: PromotionRule,
  registry: string,
  repository: string,
  digest: string,
): Promise<VerifiedImage> {
  const policy = rule.verify!;
  const client = registryClient(deps, registry);
  const found = await findSignatures(client, repository, digest, (policy.attestations?.length ?? 0) > 0);
  const image = `${registry}/${repository}@${digest}`;
  const result: VerifiedImage = { attestations: [] };
  if (policy.signers?.length) {
    const signers = await resolveSigners(deps, rule, policy);
    const signatures = found.filter((f) => f.format !== 'cosign-attestation');
    if (!signatures.length) {
      throw new AppError(
        'SIGNATURE_MISSING',
        `rule "${rule.name}" requires a signature, and ${image} has none (no ${referrersTag(digest)}.sig tag, no ` +
          `signature referrer)`,
      );
    }
    const verdict = await verifyImageSignature(digest, signatures, signers);
    if (!verdict.outcome) throw refused(rule, image, 'no signature verifies', verdict.attempts);
    result.signature = verdict.outcome;
  }
  for (const [i, attestation] of (policy.attestations ?? []).entries()) {
    const [signer] = await resolveSigners(deps, rule, { signers: [attestation.signer] }, `attestations[${i}].signer`);
    const attestations = found.filter(mayAttest);
    if (!attestations.length)
      throw new AppError(
        'SIGNATURE_MISSING',
        `rule "${rule.name}" requires a ${attestation.predicateType} attestation, and ${image} has none`,
      );
    const verdict = await verifyAttestation(digest, attestations, { ...attestation, signer: signer! });
    if (!verdict.outcome)
      throw refused(rule, image, `no ${attestation.predicateType} attestation verifies`, verdict.attempts);
    result.attestations.push(verdict.outcome);
  }
  return result;
}

/**
 * The signature of `digest` that the rule's signers accept, if any: what the console may call verified. A
 * refusal is an answer (undefined), not an error.
 */
export async function acceptedSignature(
  deps: Deps,
  rule: PromotionRule,
  registry: string,
  repository: string,
  digest: string,
): Promise<SignatureOutcome | undefined> {
  if (!rule.verify?.signers?.length) return undefined;
  const found = await findSignatures(registryClient(deps, registry), repository, digest, false);
  if (!found.length) return undefined;
  return (await verifyImageSignature(digest, found, await resolveSigners(deps, rule, rule.verify))).outcome;
}

function refused(rule: PromotionRule, image: string, what: string, attempts: Attempt[]): AppError {
  const reasons = attempts.map((a) => `${a.where} (${a.signer}): ${a.reason}`);
  return new AppError(
    'SIGNATURE_INVALID',
    `rule "${rule.name}": ${what} for ${image}: ` +
      `${reasons.slice(0, 5).join('; ')}${reasons.length > 5 ? `; and ${reasons.length - 5} more` : ''}`,
    {
      details: { attempts },
    },
  );
}

async function resolveSigners(
  deps: Deps,
  rule: PromotionRule,
  policy: Pick<VerifyPolicy, 'signers'>,
  path = 'signers',
): Promise<Signer[]> {
  return Promise.all(
    (policy.signers ?? []).map((p, i) =>
      resolveSigner(deps, rule, p, policy.signers!.length === 1 && path !== 'signers' ? path : `${path}[${i}]`),
    ),
  );
}

async function resolveSigner(deps: Deps, rule: PromotionRule, policy: SignerPolicy, path: string): Promise<Signer> {
  const label = `${rule.name}.verify.${path}`;
  const material = (value: string | { secret: string }, field: string) => {
    const text = typeof value === 'string' ? value : deps.config.secret(value.secret);
    if (!text)
      throw new AppError(
        'INVALID_CONFIG',
        `${label}.${field}: secret "${(value as { secret: string }).secret}" is not set`,
      );
    return text;
  };
  const field = policy.kind === 'cosign-key' ? 'publicKey' : policy.kind === 'sigstore' ? 'trustedRoot' : 'trustStore';
  try {
    if (policy.kind === 'cosign-key')
      return { kind: 'cosign-key', label, key: await parsePublicKeyPem(material(policy.publicKey, field)) };
    if (policy.kind === 'sigstore') {
      // The identity must match the certificate's SAN whole.
      const identity = compilePattern(`^(?:${policy.identity})$`);
      return {
        kind: 'sigstore',
        label,
        root: await parseTrustedRoot(material(policy.trustedRoot, field)),
        identity: (san) => identity.found(san),
        issuer: policy.issuer,
      };
    }
    const roots = parseCertificatesPem(material(policy.trustStore, field));
    if (!roots.length) throw new CertificateError('expected PEM certificates');
    return { kind: 'notation', label, roots, identities: policy.identities, at: new Date(deps.now()) };
  } catch (error) {
    if (
      error instanceof KeyError ||
      error instanceof TrustedRootError ||
      error instanceof CertificateError ||
      error instanceof EncodingError
    ) {
      throw new AppError('INVALID_CONFIG', `${label}.${field}: ${error.message}`);
    }
    throw error;
  }
}

/** Everything next to `digest` in the repository that may sign it (attestations only when asked for). */
export async function findSignatures(
  client: RegistryClient,
  repository: string,
  digest: string,
  attestations: boolean,
): Promise<Found[]> {
  const found: Found[] = [];
  const sigTag = `${referrersTag(digest)}.sig`;
  await readTagged(client, repository, sigTag, SignatureMedia.SimpleSigning, found);
  if (attestations) await readTagged(client, repository, `${referrersTag(digest)}.att`, SignatureMedia.Dsse, found);
  const referrers = (await listReferrers(client, repository, digest)).filter(
    (r) => r.artifactType === undefined || KNOWN_ARTIFACTS.has(r.artifactType),
  );
  for (const referrer of referrers.slice(0, MAX_REFERRERS))
    await readReferrer(client, repository, digest, referrer, found);
  return found;
}

const KNOWN_ARTIFACTS = new Set<string>([
  SignatureMedia.CosignArtifact,
  SignatureMedia.SigstoreBundle,
  SignatureMedia.Notation,
]);

async function readTagged(
  client: RegistryClient,
  repository: string,
  tag: string,
  layerType: string,
  found: Found[],
): Promise<void> {
  let manifest;
  try {
    const fetched = await client.getManifest(repository, tag);
    manifest = parseManifest(fetched.bytes, fetched.mediaType);
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return;
    if (isAppError(error) && (error.code === 'MANIFEST_INVALID' || error.code === 'UNSUPPORTED_MEDIA_TYPE')) {
      found.push({
        format: 'none',
        where: `${repository}:${tag}`,
        reason: `not a signature manifest: ${error.message}`,
      });
      return;
    }
    throw error;
  }
  await readLayers(
    client,
    repository,
    `${repository}:${tag}`,
    manifest.kind === 'image' ? manifest.layers : [],
    layerType,
    found,
    manifest.kind,
  );
}

async function readLayers(
  client: RegistryClient,
  repository: string,
  where: string,
  layers: Descriptor[],
  layerType: string,
  found: Found[],
  kind: string,
): Promise<void> {
  if (kind !== 'image') {
    found.push({ format: 'none', where, reason: `a ${kind} manifest, not a signature` });
    return;
  }
  for (const [i, layer] of layers.slice(0, MAX_LAYERS).entries()) {
    const at = `${where} layers[${i}]`;
    if (layer.mediaType !== layerType) {
      found.push({
        format: 'none',
        where: at,
        reason: `a layer of type ${layer.mediaType}, not ${layerType}: not a signature`,
      });
      continue;
    }
    if (layer.size > MAX_PAYLOAD_BYTES) {
      found.push({
        format: 'none',
        where: at,
        reason: `a payload of ${layer.size} bytes (at most ${MAX_PAYLOAD_BYTES} are read)`,
      });
      continue;
    }
    const payload = await client.readBlob(repository, layer.digest, MAX_PAYLOAD_BYTES);
    const a = layer.annotations ?? {};
    const keyless = {
      ...(a[Annotation.certificate] ? { certificate: a[Annotation.certificate] } : {}),
      ...(a[Annotation.chain] ? { chain: a[Annotation.chain] } : {}),
      ...(a[Annotation.rekorBundle] ? { rekorBundle: a[Annotation.rekorBundle] } : {}),
      ...(a[Annotation.timestamp] ? { timestamp: a[Annotation.timestamp] } : {}),
    };
    if (layerType === SignatureMedia.Dsse) {
      found.push({ format: 'cosign-attestation', where: at, payload, ...keyless });
      continue;
    }
    const signature = a[Annotation.signature];
    if (signature === undefined)
      found.push({ format: 'none', where: at, reason: `no ${Annotation.signature} annotation` });
    else found.push({ format: 'cosign', where: at, payload, signature, ...keyless });
  }
}

async function readReferrer(
  client: RegistryClient,
  repository: string,
  digest: string,
  referrer: Descriptor,
  found: Found[],
): Promise<void> {
  const where = `${repository}@${referrer.digest}`;
  const fetched = await client.getManifest(repository, referrer.digest);
  const manifest = parseManifest(fetched.bytes, fetched.mediaType);
  // A fallback index is written by anyone who can push: the manifest itself must name the image.
  if (manifest.subject?.digest !== digest) {
    found.push({
      format: 'none',
      where,
      reason: `its subject is ${manifest.subject?.digest ?? 'absent'}, not ${digest}`,
    });
    return;
  }
  const type = manifest.artifactType ?? manifest.config?.mediaType;
  if (type === SignatureMedia.CosignArtifact)
    return readLayers(client, repository, where, manifest.layers, SignatureMedia.SimpleSigning, found, manifest.kind);
  const [layer] = manifest.layers;
  if (type === SignatureMedia.SigstoreBundle || type === SignatureMedia.Notation) {
    if (!layer || layer.size > MAX_PAYLOAD_BYTES) {
      found.push({
        format: 'none',
        where,
        reason: layer ? `a ${layer.size}-byte layer (at most ${MAX_PAYLOAD_BYTES} are read)` : 'no layer',
      });
      return;
    }
    const bytes = await client.readBlob(repository, layer.digest, MAX_PAYLOAD_BYTES);
    if (type === SignatureMedia.Notation) {
      found.push({ format: 'notation', where, mediaType: layer.mediaType, envelope: bytes });
      return;
    }
    try {
      found.push({ format: 'sigstore-bundle', where, bundle: JSON.parse(new TextDecoder().decode(bytes)) });
    } catch {
      found.push({ format: 'none', where, reason: 'the bundle is not JSON' });
    }
  }
}
