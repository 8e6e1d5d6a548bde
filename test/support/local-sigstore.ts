// A small Sigstore of its own for tests: a Fulcio-like CA (root and intermediate) that issues short-lived
// code-signing certificates for an identity and OIDC issuer, with an embedded SCT from a CT log key; a
// Rekor-like log that signs entry timestamps and one-leaf checkpoints; and the trusted_root.json naming
// them. It signs images the ways cosign does keyless: `.sig` layers with certificate and Rekor bundle
// annotations, and Sigstore bundles (v0.3, DSSE) pushed as referrers. Real-tool artefacts are checked
// elsewhere (test/promote/sigstore-conformance.test.ts); this one exercises the promotion gate end to end.

import { Extension } from '@peculiar/asn1-x509';
import { OctetString } from '@peculiar/asn1-schema';
import { makeCertificate, newKeys, prepareCertificate, signDer, type TestCertificate } from './test-pki.js';

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string) => new TextEncoder().encode(text);
const sha256 = async (...parts: Uint8Array[]) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(parts.flatMap((p) => [...p]))));
const u16 = (n: number) => [n >> 8, n & 0xff];
const derLength = (n: number) => (n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
const spkiOf = async (keys: CryptoKeyPair) => new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));

export const COSIGN_SIGN = 'https://sigstore.dev/cosign/sign/v1';

export interface KeylessSignature {
  certificate: TestCertificate;
  /** The annotations cosign puts on a keyless `.sig` layer (certificate, chain, Rekor bundle). */
  annotations: Record<string, string>;
}

export async function startLocalSigstore() {
  const root = await makeCertificate({ subject: 'O=ferry-test, CN=test-fulcio-root', ca: true });
  const intermediate = await makeCertificate({
    subject: 'O=ferry-test, CN=test-fulcio-intermediate',
    ca: true,
    issuer: root,
  });
  const ct = await newKeys();
  const rekor = await newKeys();
  const [ctSpki, rekorSpki] = [await spkiOf(ct), await spkiOf(rekor)];
  const [ctLogId, rekorLogId] = [await sha256(ctSpki), await sha256(rekorSpki)];
  let logIndex = 1000;
  const key = (spki: Uint8Array, logId: Uint8Array, baseUrl: string) => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: b64(spki),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: '2020-01-01T00:00:00Z' },
    },
    logId: { keyId: b64(logId) },
  });
  const trustedRoot = JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [key(rekorSpki, rekorLogId, 'https://rekor.ferry.test')],
    certificateAuthorities: [
      {
        subject: { organization: 'ferry-test', commonName: 'test-fulcio' },
        uri: 'https://fulcio.ferry.test',
        certChain: { certificates: [{ rawBytes: b64(intermediate.der) }, { rawBytes: b64(root.der) }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
    ctlogs: [key(ctSpki, ctLogId, 'https://ct.ferry.test')],
    timestampAuthorities: [],
  });

  /** A Fulcio-style certificate for `identity` (a URI, or an e-mail) from `issuer`, with its SCT. */
  async function issue(identity: string, issuer: string): Promise<TestCertificate> {
    const issuerExtension = new Uint8Array([0x0c, ...derLength(utf8(issuer).length), ...utf8(issuer)]);
    const prepared = await prepareCertificate({
      subject: 'CN=sigstore',
      issuer: intermediate,
      codeSigning: true,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 10 * 60_000),
      ...(identity.includes('://') ? { uris: [identity] } : { emails: [identity] }),
      extensions: { '1.3.6.1.4.1.57264.1.8': issuerExtension },
    });
    // The CT log signs the precertificate: the TBSCertificate before the SCT list is added.
    const tbs = prepared.tbsDer();
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigUint64(0, BigInt(Date.now()));
    const signed = new Uint8Array([
      0,
      0,
      ...timestamp,
      0,
      1,
      ...(await sha256(intermediate.spki)),
      tbs.length >> 16,
      (tbs.length >> 8) & 0xff,
      tbs.length & 0xff,
      ...tbs,
      0,
      0,
    ]);
    const signature = await signDer(ct.privateKey, signed);
    const sct = [0, ...ctLogId, ...timestamp, 0, 0, 4, 3, ...u16(signature.length), ...signature];
    const list = [...u16(sct.length + 2), ...u16(sct.length), ...sct];
    const extension = new Uint8Array([0x04, ...derLength(list.length), ...list]);
    prepared.tbs.extensions!.push(
      new Extension({ extnID: '1.3.6.1.4.1.11129.2.4.2', extnValue: new OctetString(extension) }),
    );
    return prepared.finish();
  }

  /** A Rekor v1 entry for `body`: its signed entry timestamp, and a one-leaf inclusion proof with checkpoint. */
  async function logEntry(body: unknown) {
    const bodyB64 = b64(utf8(JSON.stringify(body)));
    const integratedTime = Math.floor(Date.now() / 1000);
    const index = logIndex++;
    const promise = `{"body":${JSON.stringify(bodyB64)},"integratedTime":${integratedTime},"logID":"${hex(rekorLogId)}","logIndex":${index}}`;
    const set = await signDer(rekor.privateKey, utf8(promise));
    const rootHash = await sha256(new Uint8Array([0]), utf8(JSON.stringify(body)));
    const note = `rekor.ferry.test - 1\n1\n${b64(rootHash)}\n`;
    const noteSignature = await signDer(rekor.privateKey, utf8(note));
    const checkpoint = `${note}\n\u2014 rekor.ferry.test ${b64(new Uint8Array([...rekorLogId.subarray(0, 4), ...noteSignature]))}\n`;
    return {
      bodyB64,
      integratedTime,
      index,
      set,
      proof: {
        logIndex: '0',
        rootHash: b64(rootHash),
        treeSize: '1',
        hashes: [],
        checkpoint: { envelope: checkpoint },
      },
    };
  }

  return {
    trustedRoot,
    issue,

    /** cosign's keyless `.sig` layer annotations for a signature over `payload` (the simple-signing JSON). */
    async signLayer(identity: string, issuer: string, payload: Uint8Array): Promise<KeylessSignature> {
      const certificate = await issue(identity, issuer);
      const signature = await signDer(certificate.keys.privateKey, payload);
      const body = {
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: hex(await sha256(payload)) } },
          signature: { content: b64(signature), publicKey: { content: b64(utf8(certificate.pem)) } },
        },
      };
      const entry = await logEntry(body);
      const rekorBundle = {
        SignedEntryTimestamp: b64(entry.set),
        Payload: {
          body: entry.bodyB64,
          integratedTime: entry.integratedTime,
          logIndex: entry.index,
          logID: hex(rekorLogId),
        },
      };
      return {
        certificate,
        annotations: {
          'dev.cosignproject.cosign/signature': b64(signature),
          'dev.sigstore.cosign/certificate': certificate.pem,
          'dev.sigstore.cosign/chain': intermediate.pem + root.pem,
          'dev.sigstore.cosign/bundle': JSON.stringify(rekorBundle),
        },
      };
    },

    /** A Sigstore bundle (v0.3) of an in-toto statement about `digest`, as cosign's bundle format stores it. */
    async bundle(
      identity: string,
      issuer: string,
      digest: string,
      predicateType = COSIGN_SIGN,
      predicate: unknown = {},
    ): Promise<unknown> {
      const certificate = await issue(identity, issuer);
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'image', digest: { sha256: digest.slice(7) } }],
        predicateType,
        predicate,
      };
      const payload = utf8(JSON.stringify(statement));
      const type = 'application/vnd.in-toto+json';
      const signature = await signDer(
        certificate.keys.privateKey,
        new Uint8Array([...utf8(`DSSEv1 ${type.length} ${type} ${payload.length} `), ...payload]),
      );
      const envelope = { payload: b64(payload), payloadType: type, signatures: [{ sig: b64(signature) }] };
      const body = {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: hex(await sha256(utf8(JSON.stringify(envelope)))) },
          payloadHash: { algorithm: 'sha256', value: hex(await sha256(payload)) },
          signatures: [{ signature: b64(signature), verifier: b64(utf8(certificate.pem)) }],
        },
      };
      const entry = await logEntry(body);
      return {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: {
          certificate: { rawBytes: b64(certificate.der) },
          tlogEntries: [
            {
              logIndex: String(entry.index),
              logId: { keyId: b64(rekorLogId) },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: b64(entry.set) },
              inclusionProof: entry.proof,
              canonicalizedBody: entry.bodyB64,
            },
          ],
        },
        dsseEnvelope: envelope,
      };
    },
  };
}
