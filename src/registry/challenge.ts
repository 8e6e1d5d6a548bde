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
      challenge.params[name.toLowerCase()] = header[i] === '"' ? readQuoted() : (readToken() ?? '');
    }
  }
  return challenges;
}
