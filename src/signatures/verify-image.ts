// Decides whether an image is signed by a signer a rule accepts: every signature found next to it is
// tried with every accepted signer until one verifies for exactly this digest. What did not verify is
// kept, with its reason, for the SIGNATURE_INVALID answer. Keyless cosign layers (certificate and Rekor
// bundle in annotations) are read as the Sigstore bundles they amount to, and verified the same way.

import { EncodingError, fromBase64, fromHex, sha256, toBase64, toHex } from '../encoding.js';
import type { Attempt, CosignLayer, Found, SignatureOutcome } from './found.js';
import { verifyNotation } from './notation.js';
import {
  pae,
  parseEnvelope,
  parseStatement,
  PayloadError,
  simpleSigningDigest,
  statementNames,
  valueAt,
  type Statement,
} from './payloads.js';
import type { PublicKey } from './public-keys.js';
import { Refusal } from './refusal.js';
import { verifyBundle, type BundleVerification } from './sigstore-bundle.js';
import type { TrustedRoot } from './trusted-root.js';
import type { X509 } from './certificates.js';

/** A signer of a rule, its material parsed. */
export type Signer = { label: string } & (
  | { kind: 'cosign-key'; key: PublicKey }
  | { kind: 'sigstore'; root: TrustedRoot; identity: (san: string) => boolean; issuer: string }
  | { kind: 'notation'; roots: X509[]; identities: string[]; at: Date }
);

/** The in-toto predicate cosign's bundle format uses for a plain image signature. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export interface Verdict {
  outcome?: SignatureOutcome;
  attempts: Attempt[];
}

/** The first signature that an accepted signer made over `digest`, or every reason none is. */
export async function verifyImageSignature(digest: string, found: Found[], signers: Signer[]): Promise<Verdict> {
  const attempts: Attempt[] = [];
  for (const item of found) {
    if (item.format === 'cosign-attestation') continue;
    if (item.format === 'none') {
      attempts.push({ where: item.where, signer: signers.map((s) => s.label).join(', '), reason: item.reason });
      continue;
    }
    for (const signer of signers) {
      try {
        const checked = await check(digest, item, signer);
        if (checked.statement && checked.statement.predicateType !== COSIGN_SIGN_PREDICATE) {
          throw new Refusal(
            `an attestation of ${checked.statement.predicateType}, not a signature (${COSIGN_SIGN_PREDICATE})`,
          );
        }
        return { outcome: checked.outcome, attempts };
      } catch (error) {
        attempts.push({ where: item.where, signer: signer.label, reason: reasonOf(error) });
      }
    }
  }
  return { attempts };
}

export interface AttestationPolicy {
  predicateType: string;
  signer: Signer;
  conditions?: Record<string, string | number | boolean>;
}

/** Attestations may be found as cosign `.att` layers or as Sigstore bundles carrying DSSE statements. */
export const mayAttest = (item: Found) => item.format === 'cosign-attestation' || item.format === 'sigstore-bundle';

/** An attestation of the policy's predicate type, by its signer, about `digest`, meeting its conditions. */
export async function verifyAttestation(digest: string, found: Found[], policy: AttestationPolicy): Promise<Verdict> {
  const attempts: Attempt[] = [];
  for (const item of found.filter(mayAttest)) {
    try {
      const { outcome, statement } = await check(digest, item as Exclude<Found, { format: 'none' }>, policy.signer);
      if (!statement) throw new Refusal('not an in-toto attestation');
      if (statement.predicateType !== policy.predicateType)
        throw new Refusal(`predicate type is ${statement.predicateType}, not ${policy.predicateType}`);
      for (const [path, expected] of Object.entries(policy.conditions ?? {})) {
        const actual = valueAt(statement.predicate, path);
        if (actual !== expected)
          throw new Refusal(
            `predicate ${path} is ${JSON.stringify(actual) ?? 'absent'}, not ${JSON.stringify(expected)}`,
          );
      }
      return { outcome, attempts };
    } catch (error) {
      attempts.push({ where: item.where, signer: policy.signer.label, reason: reasonOf(error) });
    }
  }
  return { attempts };
}

async function check(
  digest: string,
  item: Exclude<Found, { format: 'none' }>,
  signer: Signer,
): Promise<{ outcome: SignatureOutcome; statement?: Statement }> {
  const base = { signer: signer.label, kind: signer.kind, where: item.where };
  if (item.format === 'notation') {
    if (signer.kind !== 'notation')
      throw new Refusal(`a Notation signature; the ${signer.kind} signer does not check those`);
    const verified = await verifyNotation(item.envelope, item.mediaType, digest, signer);
    return { outcome: { ...base, identity: verified.identity, time: verified.time.toISOString() } };
  }
  if (signer.kind === 'notation') throw new Refusal('not a Notation signature');
  const imageDigest = await digestBytes(digest);

  if (item.format === 'sigstore-bundle') {
    const verified = await verifyBundle(
      item.bundle,
      { sha256: imageDigest },
      signer.kind === 'cosign-key' ? { key: signer.key } : signer,
    );
    return {
      outcome: await outcomeOf(base, signer, verified),
      ...(verified.statement ? { statement: verified.statement } : {}),
    };
  }

  if (item.format === 'cosign') {
    const signature = decode(item.signature, 'the signature annotation');
    if (signer.kind === 'cosign-key') {
      if (!(await verifyWithKey(signer.key, item.payload, signature)))
        throw new Refusal(`the signature does not verify with ${signer.label}'s key (wrong key)`);
    }
    const verified =
      signer.kind === 'sigstore'
        ? await verifyBundle(
            keylessBundle(item, { messageSignature: { signature: item.signature } }),
            { bytes: item.payload, sha256: await sha256(item.payload) },
            signer,
          )
        : {};
    const named = simpleSigningDigest(item.payload);
    if (named !== digest) throw new Refusal(`digest mismatch: the payload signs ${named}, not ${digest}`);
    return { outcome: await outcomeOf(base, signer, verified) };
  }

  // A cosign `.att` layer: a DSSE envelope, with a key or keyless (certificate and Rekor bundle annotations).
  let envelopeJson: unknown;
  try {
    envelopeJson = JSON.parse(new TextDecoder().decode(item.payload));
  } catch {
    throw new Refusal('the attestation is not a JSON DSSE envelope');
  }
  if (signer.kind === 'sigstore') {
    const verified = await verifyBundle(
      keylessBundle(item, { dsseEnvelope: envelopeJson }),
      { sha256: imageDigest },
      signer,
    );
    return { outcome: await outcomeOf(base, signer, verified), statement: verified.statement! };
  }
  const envelope = parseEnvelope(envelopeJson);
  const signed = pae(envelope.payloadType, envelope.payload);
  let verified = false;
  for (const s of envelope.signatures) if (await verifyWithKey(signer.key, signed, s.sig)) verified = true;
  if (!verified) throw new Refusal(`the envelope's signature does not verify with ${signer.label}'s key (wrong key)`);
  const statement = parseStatement(envelope);
  if (!statementNames(statement, digest))
    throw new Refusal(`digest mismatch: the statement's subjects do not name ${digest}`);
  return { outcome: await outcomeOf(base, signer, {}), statement };
}

async function outcomeOf(
  base: Pick<SignatureOutcome, 'signer' | 'kind' | 'where'>,
  signer: Signer,
  verified: BundleVerification,
): Promise<SignatureOutcome> {
  return {
    ...base,
    identity: signer.kind === 'cosign-key' ? await fingerprint(signer.key) : (verified.identity ?? ''),
    ...(verified.issuer ? { issuer: verified.issuer } : {}),
    ...(verified.logIndex !== undefined ? { logIndex: verified.logIndex } : {}),
    ...(verified.time ? { time: verified.time.toISOString() } : {}),
  };
}

/**
 * What a keyless cosign layer amounts to as a Sigstore bundle (v0.1): its certificate, its Rekor entry
 * with the signed entry timestamp (`dev.sigstore.cosign/bundle`) and its RFC 3161 timestamp.
 */
function keylessBundle(layer: Omit<CosignLayer, 'format' | 'signature'>, content: Record<string, unknown>): unknown {
  if (!layer.certificate)
    throw new Refusal('signed with a key, not a certificate (no dev.sigstore.cosign/certificate annotation)');
  const der = pemToDer(layer.certificate);
  const tlogEntries = [];
  if (layer.rekorBundle) {
    let rekor: {
      SignedEntryTimestamp?: string;
      Payload?: { body?: string; integratedTime?: number; logIndex?: number; logID?: string };
    };
    try {
      rekor = JSON.parse(layer.rekorBundle);
    } catch {
      throw new Refusal('the dev.sigstore.cosign/bundle annotation is not JSON');
    }
    const body = rekor.Payload?.body ?? '';
    let kind: { kind?: string; apiVersion?: string } = {};
    try {
      kind = JSON.parse(new TextDecoder().decode(fromBase64(body)));
    } catch {
      throw new Refusal('the Rekor entry body is unreadable');
    }
    tlogEntries.push({
      logIndex: String(rekor.Payload?.logIndex ?? ''),
      logId: { keyId: toBase64(fromHex(String(rekor.Payload?.logID ?? ''), 'the Rekor log id')) },
      kindVersion: { kind: kind.kind, version: kind.apiVersion },
      integratedTime: String(rekor.Payload?.integratedTime ?? ''),
      inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
      canonicalizedBody: body,
    });
  }
  const timestamps = [];
  if (layer.timestamp) {
    try {
      timestamps.push({
        signedTimestamp: (JSON.parse(layer.timestamp) as { SignedRFC3161Timestamp: string }).SignedRFC3161Timestamp,
      });
    } catch {
      throw new Refusal('the dev.sigstore.cosign/rfc3161timestamp annotation is not JSON');
    }
  }
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: toBase64(der) }] },
      tlogEntries,
      ...(timestamps.length ? { timestampVerificationData: { rfc3161Timestamps: timestamps } } : {}),
    },
    ...content,
  };
}

function pemToDer(pem: string): Uint8Array {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new Refusal('the certificate annotation is not a PEM certificate');
  return decode(match[1]!, 'the certificate annotation');
}

const digestBytes = async (digest: string) => fromHex(digest.slice(digest.indexOf(':') + 1), 'the image digest');

// cosign signs with SHA-256 whatever the curve; a P-384/P-521 key's own hash is tried too.
async function verifyWithKey(key: PublicKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (await key.verify(data, signature, key.algorithm === 'ed25519' ? undefined : 'SHA-256')) return true;
  return key.hash !== 'SHA-256' && key.algorithm !== 'ed25519' && key.verify(data, signature);
}

/** A key named by the SHA-256 of its SubjectPublicKeyInfo. */
export async function fingerprint(key: PublicKey): Promise<string> {
  return `sha256:${toHex(await sha256(key.spki))}`;
}

function decode(text: string, what: string): Uint8Array {
  try {
    return fromBase64(text, what);
  } catch (error) {
    throw new Refusal(error instanceof EncodingError ? error.message : `${what} is unreadable`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Refusal || error instanceof PayloadError || error instanceof EncodingError) return error.message;
  throw error;
}
