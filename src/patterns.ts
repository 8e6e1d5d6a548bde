// Every pattern a caller, rule author or operator writes runs here, in RE2 (linear time in the input): a
// backtracking engine would let "(a+)+b" against a long tag hold the process for seconds or forever.

import { RE2JS } from 're2js';

/**
 * A tag pattern as skopeo sync's `images-by-tag-regex` means it: an unanchored search ("v1" finds
 * "v1.0" and "1.0-v1"); write ^...$ for a full match.
 */
export interface TagPattern {
  readonly source: string;
  /** Whether the pattern occurs anywhere in the text. */
  found(text: string): boolean;
}

/** What a rule or copy that still says `match` (once a full match) is told: its meaning changed. */
export const MATCH_RENAMED =
  'renamed to "regex", an unanchored search as in skopeo sync: write "regex" with explicit ^...$ anchors to keep a ' +
  'full match';

export class PatternError extends Error {}

// Far above any real tag pattern; the compiled program grows with the pattern, not with what it matches.
const MAX_PATTERN_LENGTH = 1024;

/** Compiles a user's pattern; a PatternError says why RE2 refuses it (backreferences, lookaround, syntax). */
export function compilePattern(source: string): TagPattern {
  if (source.length > MAX_PATTERN_LENGTH)
    throw new PatternError(`a pattern is at most ${MAX_PATTERN_LENGTH} characters`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    throw new PatternError(
      `not a pattern the linear-time engine (RE2 syntax) accepts: ` +
        `${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { source, found: (text) => compiled.matcher(text).find() };
}
