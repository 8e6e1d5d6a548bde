// The `console` part of the configuration: the key that signs session cookies, and Cloudflare Access.

import { z } from 'zod';
import type { CallersConfig, OidcIssuer } from './callers.js';
import type { ConfigProblems } from './problems.js';
import { SecretValueSchema } from './values.js';

/** The web console (src/http/console/): browser sessions for API-key callers, or Cloudflare Access. */
export const ConsoleSchema = z.strictObject({
  /**
   * Signs session cookies (HMAC-SHA256): 32+ random bytes, e.g. `openssl rand -base64 32`. Without it, only anonymous
   * mode has a console.
   */
  sessionSecret: SecretValueSchema.optional(),
  /**
   * Behind Cloudflare Access: the `Cf-Access-Jwt-Assertion` header is verified as a token of this issuer
   * (`https://<team>.cloudflareaccess.com`, configured in `callers.oidc` with the application's AUD tag as
   * its audience); grants name the issuer and claims such as `email`.
   */
  cloudflareAccess: z
    .strictObject({ issuer: z.string().min(1, 'expected https://<team>.cloudflareaccess.com') })
    .optional(),
});

/** The web console: the key that signs its session cookies, and the Cloudflare Access issuer, when configured. */
export interface ConsoleConfig {
  sessionSecret?: string;
  cloudflareAccess?: OidcIssuer;
}

export function buildConsole(
  console: z.infer<typeof ConsoleSchema>,
  callers: CallersConfig,
  problems: ConfigProblems,
): ConsoleConfig {
  const built: ConsoleConfig = {};
  if (console.sessionSecret !== undefined) {
    const secret = problems.secret('console.sessionSecret', console.sessionSecret);
    if (secret && secret.length < 32)
      problems.add(
        'console.sessionSecret',
        'expected at least 32 characters of random (e.g. `openssl rand -base64 32`)',
      );
    built.sessionSecret = secret;
  }
  if (console.cloudflareAccess) {
    const issuer = callers.oidc.find((o) => o.issuer === console.cloudflareAccess!.issuer);
    if (!issuer)
      problems.add(
        'console.cloudflareAccess.issuer',
        `"${console.cloudflareAccess.issuer}" is not in callers.oidc (its audience: the Access application's AUD ` +
          `tag; jwksUri: <issuer>/cdn-cgi/access/certs)`,
      );
    else built.cloudflareAccess = issuer;
  }
  return built;
}
