// How a registry entry is shown (GET /v1/registries, the console): every field but the secret values,
// of which only whether each is set; an entry added through the API that no longer opens, as such.

import type { RegistryDocument, RegistryEntry } from '../../config/registries.js';
import { ONE_PUT } from '../../registry/options.js';

export interface StoredEntry {
  host: string;
  /** The entry's document, each secret value sealed. */
  document: RegistryDocument;
  updatedAt: string;
  updatedBy: string;
}

/** What GET answers: the entry without any secret value (only whether each is set). */
export interface RegistryEntryView {
  host: string;
  origin: 'config' | 'api';
  insecure: boolean;
  credentials?: Record<string, unknown>;
  mirrors: string[];
  headers: string[];
  authHosts: string[];
  blobHosts: string[];
  upload: RegistryEntry['upload'];
  updatedAt?: string;
  updatedBy?: string;
  /** Why an entry added through the API is left out of use: its secrets no longer open. */
  unreadable?: string;
}

/** What can be shown of a stored entry whose secrets do not open: its name and who last wrote it. */
export function unreadableView(stored: StoredEntry, why: string): RegistryEntryView {
  return {
    host: stored.host,
    origin: 'api',
    insecure: stored.document.insecure === true,
    mirrors: [],
    headers: [],
    authHosts: [],
    blobHosts: [],
    upload: ONE_PUT,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
    unreadable: `left out of use: ${why}`,
  };
}

export function view(registry: RegistryEntry, origin: 'config' | 'api', stored?: StoredEntry): RegistryEntryView {
  const set = { set: true };
  const c = registry.credentials;
  const cloud = registry.cloud;
  let credentials: Record<string, unknown> | undefined;
  if (c)
    credentials = {
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...Object.fromEntries(
        (['password', 'token', 'identityToken'] as const).filter((k) => c[k] !== undefined).map((k) => [k, set]),
      ),
    };
  else if (cloud?.kind === 'aws')
    credentials = {
      aws: {
        region: cloud.region,
        ...(cloud.roleArn ? { roleArn: cloud.roleArn } : { accessKeyId: set, secretAccessKey: set }),
        audience: cloud.audience,
        sessionName: cloud.sessionName,
      },
    };
  else if (cloud?.kind === 'google')
    credentials = {
      google: {
        ...(cloud.workloadIdentityProvider
          ? { workloadIdentityProvider: cloud.workloadIdentityProvider }
          : { serviceAccountKey: set }),
        ...(cloud.serviceAccount ? { serviceAccount: cloud.serviceAccount } : {}),
        audience: cloud.audience,
      },
    };
  else if (cloud?.kind === 'azure')
    credentials = {
      azure: {
        tenantId: cloud.tenantId,
        clientId: cloud.clientId,
        ...(cloud.clientSecret !== undefined ? { clientSecret: set } : {}),
        audience: cloud.audience,
      },
    };
  else if (cloud?.kind === 'github-app')
    credentials = { githubApp: { appId: cloud.appId, installationId: cloud.installationId, privateKey: set } };
  return {
    host: registry.host,
    origin,
    insecure: registry.insecure,
    ...(credentials ? { credentials } : {}),
    mirrors: registry.mirrors,
    // Header values may be keys: their names only.
    headers: Object.keys(registry.headers),
    authHosts: registry.authHosts,
    blobHosts: registry.blobHosts,
    upload: registry.upload,
    ...(stored ? { updatedAt: stored.updatedAt, updatedBy: stored.updatedBy } : {}),
  };
}
