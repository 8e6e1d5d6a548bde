// Verifies a Sigstore bundle (v0.1 to v0.3): the signature (a message signature or a DSSE envelope) over
// the artifact, by a Fulcio certificate that chains to a trusted CA and carries the expected identity and
// OIDC issuer and a trusted CT log's SCT, or by a given key; transparency-log entries that match the
// bundle and are proven in the log (signed entry timestamp, or inclusion proof up to a signed checkpoint);
// and a trusted signing time (Rekor v1's integrated time, RFC 3161 timestamps) within the certificate's life.

import { CertificateOids, isSelfIssued, parseCertificate, verifyChain, type X509 } from './certificates.js';
import { EncodingError, equalBytes, fromBase64, pemBlocks, sha256, toHex } from '../encoding.js';
import { pae, parseEnvelope, parseStatement, PayloadError, type Envelope, type Statement } from './payloads.js';
import type { PublicKey } from './public-keys.js';
import { Refusal } from './refusal.js';
import { verifyEmbeddedScts } from './sct.js';
import { verifyTimestamp } from './timestamps.js';
import { leafHash, verifyCheckpoint, verifyInclusion, verifySignedEntryTimestamp } from './transparency.js';
import { within, type TrustedLog, type TrustedRoot } from './trusted-root.js';

const VERSIONS: Record<string, number> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': 1,
  'application/vnd.dev.sigstore.bundle+json;version=0.2': 2,
  'application/vnd.dev.sigstore.bundle+json;version=0.3': 3,
  'application/vnd.dev.sigstore.bundle.v0.3+json': 3,
};

export interface BundlePolicy {
  /** Absent only with a key: the signature alone is checked (cosign-key signers name no trusted root). */
  root?: TrustedRoot;
  /** Keyless: the certificate's identity (SAN) must satisfy this, and its OIDC issuer equal `issuer`. */
  identity?: (san: string) => boolean;
  issuer?: string;
  /** Signed with a key instead: this key. */
  key?: PublicKey;
}

/** What was signed: the artifact's bytes when there are any (a file), always its SHA-256. */
export interface SignedArtifact {
  bytes?: Uint8Array;
  sha256: Uint8Array;
}

export interface BundleVerification {
  identity?: string;
  issuer?: string;
  logIndex?: number;
  /** The earliest trusted signing time. */
  time?: Date;
  statement?: Statement;
}

type Json = Record<string, any>;

export async function verifyBundle(
  bundle: unknown,
  artifact: SignedArtifact,
  policy: BundlePolicy,
): Promise<BundleVerification> {
  try {
    return await verify(bundle as Json, artifact, policy);
  } catch (error) {
    if (error instanceof EncodingError || error instanceof PayloadError) throw new Refusal(error.message);
    throw error;
  }
}

async function verify(bundle: Json, artifact: SignedArtifact, policy: BundlePolicy): Promise<BundleVerification> {
  const version = VERSIONS[typeof bundle?.mediaType === 'string' ? bundle.mediaType : ''];
  if (!version) throw new Refusal(`unsupported bundle media type ${JSON.stringify(bundle?.mediaType)}`);
  const material = (bundle.verificationMaterial ?? {}) as Json;

  // Who signed: a certificate (keyless) or a key the rule names.
  let leaf: X509 | undefined;
  let key: PublicKey;
  if (policy.key) {
    key = policy.key;
  } else {
    const certificates: string[] = material.certificate
      ? [material.certificate.rawBytes]
      : (material.x509CertificateChain?.certificates ?? []).map((c: Json) => c.rawBytes);
    if (!certificates.length)
      throw new Refusal(
        material.publicKey
          ? 'the bundle is signed with a key, and no key is configured'
          : 'the bundle has no signing certificate',
      );
    const chain = certificates.map((c, i) => parseCertificate(fromBase64(String(c ?? ''), `certificate ${i}`)));
    if (chain.slice(1).some(isSelfIssued))
      throw new Refusal('the bundle carries a root certificate: roots come from the trusted root only');
    leaf = chain[0]!;
    key = await leaf.publicKey();
  }

  // What was signed, and that the signature over it verifies.
  let signature: Uint8Array;
  let envelope: Envelope | undefined;
  let statement: Statement | undefined;
  if (bundle.messageSignature) {
    signature = fromBase64(String(bundle.messageSignature.signature ?? ''), 'the message signature');
    const declared = bundle.messageSignature.messageDigest?.digest;
    if (declared !== undefined && !equalBytes(fromBase64(String(declared), 'the message digest'), artifact.sha256))
      throw new Refusal('digest mismatch: the bundle signs another artifact');
    if (!artifact.bytes)
      throw new Refusal('a message signature needs the artifact itself; images are signed with DSSE statements');
    if (!(await key.verify(artifact.bytes, signature)))
      throw new Refusal('the signature does not verify (wrong key or altered artifact)');
  } else if (bundle.dsseEnvelope) {
    envelope = parseEnvelope(bundle.dsseEnvelope);
    if (envelope.signatures.length !== 1) throw new Refusal('expected exactly one signature in the DSSE envelope');
    signature = envelope.signatures[0]!.sig;
    if (!(await key.verify(pae(envelope.payloadType, envelope.payload), signature)))
      throw new Refusal('the DSSE signature does not verify (wrong key or altered envelope)');
    statement = parseStatement(envelope);
    const hex = toHex(artifact.sha256);
    if (!statement.subjects.some((s) => s.digest.sha256?.toLowerCase() === hex))
      throw new Refusal(`digest mismatch: the statement's subjects do not name sha256:${hex}`);
  } else {
    throw new Refusal('the bundle has neither a message signature nor a DSSE envelope');
  }

  if (!policy.root) {
    if (leaf) throw new Refusal('a certificate needs a trusted root to verify against');
    return statement ? { statement } : {};
  }
  const root = policy.root;

  // Transparency log: every entry must match this bundle and be proven in a trusted log.
  const entries = (material.tlogEntries ?? []) as Json[];
  if (!entries.length) throw new Refusal('missing log entry: the bundle has no transparency-log entry');
  const times: Date[] = [];
  let logIndex: number | undefined;
  for (const entry of entries) {
    const proven = await verifyEntry(entry, version, root, { leaf, key, signature, envelope, artifact });
    if (proven.integratedTime) times.push(proven.integratedTime);
    logIndex ??= proven.logIndex;
  }
  for (const [i, t] of ((material.timestampVerificationData?.rfc3161Timestamps ?? []) as Json[]).entries()) {
    times.push(
      await verifyTimestamp(
        fromBase64(String(t.signedTimestamp ?? ''), `timestamp ${i}`),
        signature,
        root.timestampAuthorities,
      ),
    );
  }

  if (!leaf)
    return {
      ...(logIndex !== undefined ? { logIndex } : {}),
      ...(times.length ? { time: earliest(times) } : {}),
      ...(statement ? { statement } : {}),
    };

  // Keyless: a trusted time inside the certificate's life, a chain to a CA trusted then, an SCT, the identity.
  if (!times.length) throw new Refusal('no trusted signing time (no signed entry timestamp, no RFC 3161 timestamp)');
  let issuerCa: X509 | undefined;
  for (const t of times) {
    if (t < leaf.notBefore || t > leaf.notAfter)
      throw new Refusal(
        `expired certificate: signed at ${t.toISOString()}, outside the certificate's validity ` +
          `(${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()})`,
      );
    issuerCa = await trustedIssuer(leaf, root, t);
  }
  await verifyEmbeddedScts(leaf, issuerCa!, root.ctlogs, CertificateOids.sctList);
  const identity = leaf.identities.find((san) => policy.identity?.(san));
  if (!identity)
    throw new Refusal(`identity mismatch: the certificate is for ${leaf.identities.join(', ') || 'no identity'}`);
  if (leaf.oidcIssuer !== policy.issuer)
    throw new Refusal(`issuer mismatch: the certificate's OIDC issuer is ${leaf.oidcIssuer ?? 'absent'}`);
  if (!leaf.codeSigning) throw new Refusal('the certificate is not for code signing');
  return {
    identity,
    issuer: leaf.oidcIssuer,
    ...(logIndex !== undefined ? { logIndex } : {}),
    time: earliest(times),
    ...(statement ? { statement } : {}),
  };
}

const earliest = (times: Date[]) => new Date(Math.min(...times.map((t) => t.getTime())));

async function trustedIssuer(leaf: X509, root: TrustedRoot, at: Date): Promise<X509> {
  const reasons: string[] = [];
  for (const ca of root.certificateAuthorities) {
    if (!within(ca.validFor, at)) {
      reasons.push(`${ca.uri}: not trusted at ${at.toISOString()}`);
      continue;
    }
    try {
      await verifyChain(leaf, ca.chain, at);
      return ca.chain[0]!;
    } catch (error) {
      reasons.push(`${ca.uri}: ${error instanceof Error ? error.message : 'no chain'}`);
    }
  }
  throw new Refusal(`the certificate does not chain to a trusted CA (${reasons.join('; ') || 'none configured'})`);
}

interface Signed {
  leaf: X509 | undefined;
  key: PublicKey;
  signature: Uint8Array;
  envelope: Envelope | undefined;
  artifact: SignedArtifact;
}

const integer = (value: unknown, what: string): bigint => {
  if (typeof value !== 'string' && typeof value !== 'number') throw new Refusal(`${what} is missing`);
  if (!/^-?\d+$/.test(String(value))) throw new Refusal(`${what} is not an integer`);
  const n = BigInt(value);
  if (n < 0n) throw new Refusal(`${what} is negative`);
  return n;
};

async function verifyEntry(
  entry: Json,
  version: number,
  root: TrustedRoot,
  signed: Signed,
): Promise<{ integratedTime?: Date; logIndex: number }> {
  const logIndex = integer(entry.logIndex, 'the log index');
  const logId = fromBase64(String(entry.logId?.keyId ?? ''), 'the log id');
  const log = root.tlogs.find((l) => equalBytes(l.logId, logId));
  if (!log) throw new Refusal('missing log entry: the entry is from a log the trusted root does not name');
  const bodyText = String(entry.canonicalizedBody ?? '');
  const body = fromBase64(bodyText, 'the entry body');
  let doc: Json;
  try {
    doc = JSON.parse(new TextDecoder().decode(body)) as Json;
  } catch {
    throw new Refusal('the entry body is not JSON');
  }
  if (doc.kind !== entry.kindVersion?.kind || doc.apiVersion !== entry.kindVersion?.version)
    throw new Refusal('the entry body is not of the kind it claims');
  await entryMatches(doc, signed);

  let integratedTime: Date | undefined;
  const set = entry.inclusionPromise?.signedEntryTimestamp;
  const proof = entry.inclusionProof as Json | undefined;
  if (set) {
    const time = integer(entry.integratedTime, 'the integrated time');
    await verifySignedEntryTimestamp(
      fromBase64(String(set), 'the signed entry timestamp'),
      bodyText,
      time,
      logIndex,
      log,
    );
    integratedTime = new Date(Number(time) * 1000);
    if (!within(log.validFor, integratedTime))
      throw new Refusal(`the log's key was not trusted at ${integratedTime.toISOString()}`);
  } else if (version === 1) {
    throw new Refusal('missing log entry: a v0.1 bundle needs the signed entry timestamp');
  }
  if (proof) {
    await verifyProof(proof, body, log);
  } else if (version >= 2) {
    throw new Refusal('missing log entry: no inclusion proof');
  }
  return { ...(integratedTime ? { integratedTime } : {}), logIndex: Number(logIndex) };
}

async function verifyProof(proof: Json, body: Uint8Array, log: TrustedLog): Promise<void> {
  const index = integer(proof.logIndex, 'the proof log index');
  const size = integer(proof.treeSize, 'the tree size');
  const rootHash = fromBase64(String(proof.rootHash ?? ''), 'the root hash');
  const hashes = ((proof.hashes ?? []) as string[]).map((h, i) => fromBase64(String(h), `proof hash ${i}`));
  await verifyInclusion(await leafHash(body), index, size, hashes, rootHash);
  const envelope = proof.checkpoint?.envelope;
  if (typeof envelope !== 'string') throw new Refusal('the inclusion proof has no checkpoint');
  const checkpoint = await verifyCheckpoint(envelope, log);
  if (checkpoint.size !== size || !equalBytes(checkpoint.rootHash, rootHash))
    throw new Refusal('checkpoint: it is for another tree than the inclusion proof');
}

/** The log entry must record this very signature, by this signer, over this artifact. */
async function entryMatches(doc: Json, signed: Signed): Promise<void> {
  const spec = (doc.spec ?? {}) as Json;
  const signer = (encoded: string | undefined, what: string) => {
    if (!encoded) throw new Refusal(`the entry names no ${what}`);
    const bytes = fromBase64(encoded, `the entry's ${what}`);
    const pem = new TextDecoder().decode(bytes);
    const der = pem.includes('-----BEGIN') ? pemBlocks(pem)[0] : bytes;
    const expected = signed.leaf ? signed.leaf.der : signed.key.spki;
    if (!der || !equalBytes(der, expected))
      throw new Refusal(`the entry was made by another ${signed.leaf ? 'certificate' : 'key'}`);
  };
  const sameSignature = (encoded: string | undefined) => {
    if (!encoded || !equalBytes(fromBase64(encoded, "the entry's signature"), signed.signature))
      throw new Refusal('the entry records another signature');
  };
  const payloadHash = async () => toHex(await sha256(signed.envelope!.payload));
  const key = `${doc.kind}/${doc.apiVersion}`;
  if (key === 'hashedrekord/0.0.1') {
    if (signed.envelope) throw new Refusal('a hashedrekord entry for a DSSE bundle');
    sameSignature(spec.signature?.content);
    signer(spec.signature?.publicKey?.content, 'public key');
    if (String(spec.data?.hash?.value ?? '').toLowerCase() !== toHex(signed.artifact.sha256))
      throw new Refusal('the entry is for another artifact');
  } else if (key === 'hashedrekord/0.0.2') {
    const v2 = (spec.hashedRekordV002 ?? {}) as Json;
    sameSignature(v2.signature?.content);
    const verifier = v2.signature?.verifier ?? {};
    signer(verifier.x509Certificate?.rawBytes ?? verifier.publicKey?.rawBytes, 'verifier');
    // Over DSSE, Rekor v2 logs the hash of the PAE; otherwise the artifact's.
    const expected = signed.envelope
      ? await sha256(pae(signed.envelope.payloadType, signed.envelope.payload))
      : signed.artifact.sha256;
    if (!equalBytes(fromBase64(String(v2.data?.digest ?? ''), "the entry's digest"), expected))
      throw new Refusal(
        signed.envelope ? 'the entry is for another DSSE envelope' : 'the entry is for another artifact',
      );
  } else if (key === 'dsse/0.0.1') {
    if (!signed.envelope) throw new Refusal('a DSSE entry for a message signature');
    if (String(spec.payloadHash?.value ?? '') !== (await payloadHash()))
      throw new Refusal('the entry is for another DSSE payload');
    const sigs = (spec.signatures ?? []) as Json[];
    if (!sigs.some((s) => safeEqual(s.signature, signed.signature)))
      throw new Refusal('the entry records another signature');
    signer(sigs[0]?.verifier, 'verifier');
  } else if (key === 'intoto/0.0.2') {
    if (!signed.envelope) throw new Refusal('an in-toto entry for a message signature');
    const content = (spec.content ?? {}) as Json;
    if (String(content.payloadHash?.value ?? '') !== (await payloadHash()))
      throw new Refusal('the entry is for another DSSE payload');
    const sigs = (content.envelope?.signatures ?? []) as Json[];
    // This entry kind stores each signature base64-encoded twice.
    if (!sigs.some((s) => safeEqual(typeof s.sig === 'string' ? atobSafe(s.sig) : undefined, signed.signature)))
      throw new Refusal('the entry records another signature');
    signer(sigs[0]?.publicKey, 'public key');
  } else {
    throw new Refusal(`unsupported log entry kind ${key}`);
  }
}

function atobSafe(text: string): string | undefined {
  try {
    return new TextDecoder().decode(fromBase64(text));
  } catch {
    return undefined;
  }
}

function safeEqual(encoded: unknown, bytes: Uint8Array): boolean {
  if (typeof encoded !== 'string') return false;
  try {
    return equalBytes(fromBase64(encoded), bytes);
  } catch {
    return false;
  }
}
