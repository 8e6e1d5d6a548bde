// Parses WWW-Authenticate headers (RFC 7235) into challenges: scheme plus parameters.

export interface Challenge {
  /** Lowercase scheme: "basic", "bearer", ... */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

export function parseWwwAuthenticate(header: string | null): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < header.length && chars.test(header[i]!)) i++;
  };
  const readToken = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const readQuoted = (): string => {
    let out = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      out += header[i++];
    }
    i++; // closing quote
    return out;
  };
  // Lenient, as Docker's parser is: an unquoted value runs to the next comma or space (realms are URLs).
  const readBare = (): string => {
    const start = i;
    while (i < header.length && !/[\s,]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const scheme = readToken();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      const save = i;
      skip(/[\s,]/);
      const name = readToken();
      skip(/\s/);
      if (!name || header[i] !== '=') {
        i = save; // not a parameter: the next challenge's scheme starts here
        break;
      }
      i++; // '='
      skip(/\s/);
      challenge.params[name.toLowerCase()] = header[i] === '"' ? readQuoted() : readBare();
    }
  }
  return challenges;
}
