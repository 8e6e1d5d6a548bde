// What the test token server was asked (its GET /__log), for tests that count token exchanges.

/** The scope sets of every token request naming the repository (pull, pull+push…), one entry per request. */
export async function tokenRequestScopes(tokenServer: string, repository: string): Promise<string[]> {
  const log = (await (await fetch(`http://${tokenServer}/__log`)).json()) as { scope: string[] }[];
  return log
    .filter((l) => l.scope.some((s) => s.startsWith(`repository:${repository}:`)))
    .map((l) => l.scope.join(' '));
}
