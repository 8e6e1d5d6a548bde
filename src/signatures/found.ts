// What the registry holds next to an image that may sign it, read but not yet trusted. ops/promote/signatures.ts
// finds these; verify-image.ts decides whether one of them is a signature an accepted signer made.

/** A cosign signature layer (the `sha256-<hex>.sig` tag or a cosign OCI 1.1 referrer). */
export interface CosignLayer {
  format: 'cosign';
  /** Where it was found, for reasons: "repo:sha256-….sig layers[0]". */
  where: string;
  /** The simple-signing payload (the layer's blob). */
  payload: Uint8Array;
  /** `dev.cosignproject.cosign/signature`, base64 as stored. */
  signature: string;
  /**
   * Keyless: `dev.sigstore.cosign/certificate` and `…/chain` (PEM), `…/bundle` (Rekor's signed entry),
   * `…/rfc3161timestamp`.
   */
  certificate?: string;
  chain?: string;
  rekorBundle?: string;
  timestamp?: string;
}

/** A DSSE envelope cosign stores for an attestation (`sha256-<hex>.att` layers). */
export interface CosignAttestationLayer extends Omit<CosignLayer, 'format' | 'signature'> {
  format: 'cosign-attestation';
}

/** A Sigstore bundle (a referrer of type application/vnd.dev.sigstore.bundle.v0.3+json), parsed JSON. */
export interface SigstoreBundleFound {
  format: 'sigstore-bundle';
  where: string;
  bundle: unknown;
}

/** A Notation signature envelope (JWS JSON serialization). */
export interface NotationFound {
  format: 'notation';
  where: string;
  mediaType: string;
  envelope: Uint8Array;
}

/** Something in a signature's place that is not one (an ordinary image under a `.sig` tag). */
export interface NotASignature {
  format: 'none';
  where: string;
  reason: string;
}

export type Found = CosignLayer | CosignAttestationLayer | SigstoreBundleFound | NotationFound | NotASignature;

/** Which signer accepted which signature, for the promotion and audit records. */
export interface SignatureOutcome {
  signer: string;
  kind: 'cosign-key' | 'sigstore' | 'notation';
  where: string;
  /** The certificate's identity (keyless, Notation) or the key's fingerprint. */
  identity: string;
  issuer?: string;
  /** The transparency log entry that recorded it. */
  logIndex?: number;
  /** When it was signed, by the most trusted time there is (log or timestamp authority). */
  time?: string;
}

export interface Attempt {
  where: string;
  signer: string;
  reason: string;
}
