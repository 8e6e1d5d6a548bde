// The small pieces every section of the configuration schema is built from: secrets by name, seconds,
// integers, http(s) URLs and registry host keys.

import { z } from 'zod';

/** A credential value: inline (local use only) or the name of a secret/env binding. */
export type SecretValue = string | { secret: string };

/** Resolves a secret by its name (an environment variable or a Workers secret). */
export type SecretLookup = (name: string) => string | undefined;

export const HOST_KEY = /^[a-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i;

export const SecretValueSchema = z.union([z.string(), z.strictObject({ secret: z.string().min(1) })], {
  error: 'expected a string or {"secret": "NAME"}',
});

export const seconds = (min: number, why = `expected seconds >= ${min}`) =>
  z.number({ error: why }).finite().min(min, why);
export const positiveInt = (min: number, what = 'an integer') =>
  z
    .number({ error: `expected ${what} >= ${min}` })
    .int(`expected ${what} >= ${min}`)
    .min(min, `expected ${what} >= ${min}`);

export const HttpUrl = z.string().refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'only http(s) URLs');
