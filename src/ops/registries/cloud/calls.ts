// One way to call a cloud's token endpoints: POST, read the answer, and on refusal an
// UPSTREAM_UNAUTHORIZED naming the registry entry, the step and what the cloud said (bounded, with
// anything shaped like a token cut out), never a credential.

import type { Deps } from '../../../deps.js';
import type { Credentials } from '../../../registry/options.js';
import { AppError, isAppError } from '../../../errors.js';
import { fetchWithin } from '../../../registry/deadlines.js';
import { resolvingFetch } from '../../../registry/egress.js';
import { describeCause } from '../../../registry/retry.js';

/** Registry credentials a cloud issued, and until when they work. */
export interface IssuedCredentials {
  credentials: Credentials;
  /** Epoch ms after which they no longer work. */
  expiresAt: number;
}

export function cloudRefusal(step: string, registryKey: string, status: number, said: string): AppError {
  const clean = said.slice(0, 300).replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<token>');
  return new AppError(
    'UPSTREAM_UNAUTHORIZED',
    `${registryKey}: ${step} refused (${status}${clean ? ` ${clean}` : ''})`,
  );
}

/**
 * What an OAuth-style JSON error says: `error: description`, Google's `{error: {status, message}}`, ACR's
 * `errors[0].message`, GitHub's `message`.
 */
export function oauthError(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: string | { status?: string; message?: string };
      error_description?: unknown;
      errors?: { message?: string }[];
      message?: unknown;
    };
    if (typeof body.error === 'string') {
      const described = body.error_description;
      const description = typeof described === 'string' ? described.split('\n')[0] : undefined;
      return description ? `${body.error}: ${description}` : body.error;
    }
    if (body.error) return `${body.error.status ?? ''}${body.error.message ? `: ${body.error.message}` : ''}`;
    // GitHub: {"message": "…", "documentation_url": "…"}
    return body.errors?.[0]?.message ?? (typeof body.message === 'string' ? body.message : '');
  } catch {
    return '';
  }
}

/**
 * One request to a cloud endpoint under the upstream deadlines and the address check: its status and
 * text. An endpoint that cannot be reached is UPSTREAM_UNAVAILABLE naming it (the cloud's failure).
 */
export async function cloudCall(
  deps: Deps,
  step: string,
  registryKey: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number; ok: boolean; text: string }> {
  const target = new URL(url);
  // The address check guards a cloud's endpoints as it does registries (a configured endpoint is trusted).
  const fetch = deps.resolveHost ? resolvingFetch(deps.fetch, deps.resolveHost, deps.config) : deps.fetch;
  try {
    const response = await fetchWithin(fetch, target, init, deps.config.deadlines, { signal: deps.signal });
    return { status: response.status, ok: response.ok, text: await response.text() };
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError(
      'UPSTREAM_UNAVAILABLE',
      `${registryKey}: ${step} at ${target.host} could not be reached (${describeCause(error)})`,
    );
  }
}

export async function postForJson(
  deps: Deps,
  step: string,
  registryKey: string,
  url: string,
  init: { headers: Record<string, string>; body: string },
): Promise<Record<string, unknown>> {
  const { ok, status, text } = await cloudCall(deps, step, registryKey, url, { method: 'POST', ...init });
  if (!ok) throw cloudRefusal(step, registryKey, status, oauthError(text));
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} did not answer JSON`);
  }
}

export const formBody = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
