// Signs images in cosign's documented layouts, made here with Web Crypto since Debian has no cosign:
// the `sha256-<hex>.sig` tag (one layer per signature: the simple-signing payload, its signature in the
// `dev.cosignproject.cosign/signature` annotation), the OCI 1.1 referrer (artifactType
// application/vnd.dev.cosign.artifact.sig.v1+json, same layers, `subject` the image) and the `.att` tag
// (DSSE envelopes of in-toto statements).

import { expect } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { ecdsaRawToDer } from './test-pki.js';

export type KeyKind = 'P-256' | 'P-384' | 'RSA' | 'Ed25519';

export interface TestKey {
  pem: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export async function makeKey(kind: KeyKind = 'P-256'): Promise<TestKey> {
  const params =
    kind === 'RSA'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : kind === 'Ed25519'
        ? { name: 'Ed25519' }
        : { name: 'ECDSA', namedCurve: kind };
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${b64(spki).replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
  return {
    pem,
    async sign(data) {
      const algorithm =
        kind === 'RSA' ? 'RSASSA-PKCS1-v1_5' : kind === 'Ed25519' ? 'Ed25519' : { name: 'ECDSA', hash: 'SHA-256' };
      const signature = new Uint8Array(await crypto.subtle.sign(algorithm, pair.privateKey, data as BufferSource));
      return kind === 'P-256' || kind === 'P-384' ? ecdsaRawToDer(signature) : signature;
    },
  };
}

export function simpleSigningPayload(reference: string, digest: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

export async function pushBlob(host: string, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = await computeDigest(bytes);
  const started = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(started.status).toBe(202);
  const location = new URL(started.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const res = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes as BodyInit,
  });
  expect(res.status).toBe(201);
  return digest;
}

export async function pushManifest(
  host: string,
  repository: string,
  reference: string | undefined,
  manifest: unknown,
): Promise<{ digest: string; size: number }> {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = await computeDigest(bytes);
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference ?? digest}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: bytes,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return { digest, size: bytes.byteLength };
}

export interface SignatureLayer {
  mediaType?: string;
  payload: Uint8Array;
  annotations: Record<string, string>;
}

export async function signatureLayer(key: TestKey, payload: Uint8Array): Promise<SignatureLayer> {
  return { payload, annotations: { 'dev.cosignproject.cosign/signature': b64(await key.sign(payload)) } };
}

async function layersManifest(
  host: string,
  repository: string,
  layers: SignatureLayer[],
  extra: Record<string, unknown> = {},
) {
  const config = new TextEncoder().encode('{}');
  const configDigest = await pushBlob(host, repository, config);
  const descriptors = [];
  for (const layer of layers) {
    descriptors.push({
      mediaType: layer.mediaType ?? 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: await pushBlob(host, repository, layer.payload),
      size: layer.payload.byteLength,
      annotations: layer.annotations,
    });
  }
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.byteLength },
    layers: descriptors,
    ...extra,
  };
}

/** The legacy layout: a manifest under the `sha256-<hex>.sig` tag (`.att` for attestations). */
export async function pushSignatureTag(
  host: string,
  repository: string,
  digest: string,
  layers: SignatureLayer[],
  suffix = '.sig',
): Promise<void> {
  await pushManifest(
    host,
    repository,
    `${digest.replace(':', '-')}${suffix}`,
    await layersManifest(host, repository, layers),
  );
}

/** cosign's OCI 1.1 layout: an artifact whose subject is the image, listed in the tag fallback index. */
export async function pushSignatureReferrer(
  host: string,
  repository: string,
  subject: Subject,
  layers: SignatureLayer[],
): Promise<void> {
  const artifactType = 'application/vnd.dev.cosign.artifact.sig.v1+json';
  await addToFallbackIndex(host, repository, subject.digest, {
    ...(await pushManifest(
      host,
      repository,
      undefined,
      await layersManifest(host, repository, layers, { artifactType, subject }),
    )),
    artifactType,
  });
}

export interface Subject {
  digest: string;
  mediaType: string;
  size: number;
}

/**
 * Any OCI 1.1 artifact about `subject` (a Sigstore bundle, a Notation signature): one layer of `bytes`, listed
 * in the tag fallback index unless the registry has the referrers API (`fallback: false`). Returns its digest.
 */
export async function pushReferrer(
  host: string,
  repository: string,
  subject: Subject,
  artifactType: string,
  layer: { mediaType: string; bytes: Uint8Array },
  options: { fallback?: boolean; annotations?: Record<string, string> } = {},
): Promise<string> {
  const empty = new TextEncoder().encode('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: await pushBlob(host, repository, empty),
      size: empty.byteLength,
    },
    layers: [
      {
        mediaType: layer.mediaType,
        digest: await pushBlob(host, repository, layer.bytes),
        size: layer.bytes.byteLength,
      },
    ],
    subject,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const pushed = await pushManifest(host, repository, undefined, manifest);
  if (options.fallback !== false)
    await addToFallbackIndex(host, repository, subject.digest, { ...pushed, artifactType });
  return pushed.digest;
}

/** The `sha256-<hex>` index a registry without the referrers API is found through, keeping its entries. */
export async function addToFallbackIndex(
  host: string,
  repository: string,
  digest: string,
  entry: { digest: string; size: number; artifactType: string },
): Promise<void> {
  const url = `http://${host}/v2/${repository}/manifests/${digest.replace(':', '-')}`;
  const existing = await fetch(url, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
  const manifests = existing.ok ? ((await existing.json()) as { manifests: unknown[] }).manifests : [];
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [...manifests, { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...entry }],
  };
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: JSON.stringify(index),
  });
  expect(res.status).toBe(201);
}

/** A DSSE envelope of an in-toto statement about `digest`, as cosign attest stores it. */
export async function attestationLayer(
  key: TestKey,
  digest: string,
  predicateType: string,
  predicate: unknown,
): Promise<SignatureLayer> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'image', digest: { sha256: digest.slice(7) } }],
    predicateType,
    predicate,
  };
  const payload = new TextEncoder().encode(JSON.stringify(statement));
  const type = 'application/vnd.in-toto+json';
  const pae = new TextEncoder().encode(`DSSEv1 ${type.length} ${type} ${payload.length} `);
  const signed = new Uint8Array([...pae, ...payload]);
  const envelope = {
    payloadType: type,
    payload: b64(payload),
    signatures: [{ keyid: '', sig: b64(await key.sign(signed)) }],
  };
  return {
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    payload: new TextEncoder().encode(JSON.stringify(envelope)),
    annotations: { predicateType },
  };
}
