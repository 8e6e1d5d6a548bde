// Secrets compared without an early exit, so timing does not reveal how much of a guess was right.

/** Equal-length strings compared without an early exit, so timing does not reveal a prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
