// Semantic versions and npm-style ranges, for promotion rules and sync sets: >=, >, <=, <, =, ^, ~, x-ranges,
// spaces for AND, || for OR. A prerelease only satisfies a range that names a prerelease itself.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(text: string): SemVer | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : undefined;
    const ny = /^\d+$/.test(y) ? Number(y) : undefined;
    if (nx !== undefined && ny !== undefined) return nx < ny ? -1 : 1;
    if (nx !== undefined || ny !== undefined) return nx !== undefined ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: SemVer };

/** "1", "1.2", "1.2.x", "*" -> the parts given (x and * count as missing). */
function partial(text: string): { parts: number[]; prerelease: string[] } | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$/.exec(text);
  if (!m) return undefined;
  const parts: number[] = [];
  for (const p of [m[1], m[2], m[3]]) {
    if (p === undefined || /^[xX*]$/.test(p)) break;
    parts.push(Number(p));
  }
  return { parts, prerelease: m[4] ? m[4].split('.') : [] };
}

const v = (major: number, minor = 0, patch = 0, prerelease: string[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
});

function comparators(token: string): Comparator[] | undefined {
  const m = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(token)!;
  const op = m[1] ?? '';
  const p = partial(m[2]!);
  if (!p) return undefined;
  const [major, minor, patch] = p.parts;
  if (major === undefined) return op === '' || op === '>=' || op === '=' ? [] : undefined;
  const low = v(major, minor ?? 0, patch ?? 0, p.prerelease);
  if (op === '^') {
    const high =
      major > 0 || minor === undefined
        ? v(major + 1)
        : minor > 0 || patch === undefined
          ? v(0, minor + 1)
          : v(0, 0, patch + 1);
    return [
      { op: '>=', version: low },
      { op: '<', version: high },
    ];
  }
  if (op === '~')
    return [
      { op: '>=', version: low },
      { op: '<', version: minor === undefined ? v(major + 1) : v(major, minor + 1) },
    ];
  if (p.parts.length < 3 && (op === '' || op === '=')) {
    return [
      { op: '>=', version: low },
      { op: '<', version: minor === undefined ? v(major + 1) : v(major, minor + 1) },
    ];
  }
  return [{ op: (op || '=') as Comparator['op'], version: low }];
}

function satisfiesComparator(version: SemVer, c: Comparator): boolean {
  const cmp = compareSemver(version, c.version);
  return c.op === '<'
    ? cmp < 0
    : c.op === '<='
      ? cmp <= 0
      : c.op === '>'
        ? cmp > 0
        : c.op === '>='
          ? cmp >= 0
          : cmp === 0;
}

/** Whether `version` satisfies `range`; a malformed range throws. */
export function satisfies(version: SemVer, range: string): boolean {
  return range.split('||').some((alternative) => {
    // An operator may stand apart from its version (">= 1.2.3"), as npm and Masterminds allow.
    const set = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .map((token) => {
        const parsed = comparators(token);
        if (!parsed) throw new Error(`"${token}" is not a version range`);
        return parsed;
      })
      .flat();
    if (!set.every((c) => satisfiesComparator(version, c))) return false;
    // npm: a prerelease matches only comparators on the same major.minor.patch that carry a prerelease.
    if (!version.prerelease.length) return true;
    return set.some(
      (c) =>
        c.version.prerelease.length &&
        c.version.major === version.major &&
        c.version.minor === version.minor &&
        c.version.patch === version.patch,
    );
  });
}

/** Why `range` is no version range, or undefined when it is one. */
export function rangeProblem(range: string): string | undefined {
  try {
    satisfies(v(0), range);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : 'not a version range';
  }
}
