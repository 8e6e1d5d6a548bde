// The README's table puts each verb beside skopeo's and crane's. Every row names the test that runs its ferry
// command through the executable against real registries; a row added without one fails here, as does a
// test renamed away from its row.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const EXERCISED: Record<string, [file: string, test: string]> = {
  'copy an image': ['test/cli/cli.node.test.ts', 'copies byte-exact (loopback registries over plain http)'],
  credentials: ['test/cli/cli.node.test.ts', 'takes --src-creds / --dest-creds and --authfile as skopeo does'],
  'log in': ['test/cli/login.node.test.ts', 'login writes what skopeo login writes'],
  'one platform': ['test/cli/cli.node.test.ts', "--platform copies that platform's image itself"],
  'sync by pattern': ['test/cli/cli.node.test.ts', 'syncs the tags a pattern picks'],
  'all tags': ['test/cli/everyday-verbs.node.test.ts', 'with --all-tags, copies the tags the target lacks'],
  'a sync set': ['test/cli/cli.node.test.ts', 'sync runs a set file as skopeo sync runs its YAML'],
  'convert a sync file': ['test/cli/sync-import.node.test.ts', 'a skopeo sync YAML becomes a set per registry'],
  'what would happen': ['test/cli/cli.node.test.ts', 'its dry run names the digest written'],
  'raw manifest': ['test/cli/cli.node.test.ts', 'inspects as skopeo sees it, raw and summarised'],
  summary: ['test/cli/cli.node.test.ts', 'inspects as skopeo sees it, raw and summarised'],
  'one field': ['test/cli/cli.node.test.ts', '--format takes the Go template skopeo inspect takes'],
  tags: ['test/cli/cli.node.test.ts', 'and lists tags'],
  digest: ['test/cli/everyday-verbs.node.test.ts', 'digest prints the digest crane digest prints'],
  'another tag': ['test/cli/everyday-verbs.node.test.ts', 'tag gives an image a second tag in its repository'],
  delete: ['test/cli/everyday-verbs.node.test.ts', "deletes a tag with the registry's own API"],
  'keep existing tags': ['test/cli/everyday-verbs.node.test.ts', 'refuses to move a tag that names another image'],
  'to and from a layout': [
    'test/cli/air-gap-transports.node.test.ts',
    'oci:DIR[:ref] written by ferry is read back byte-exact by skopeo and by crane',
  ],
  "docker save's format": [
    'test/cli/air-gap-transports.node.test.ts',
    'docker-archive holds one platform with uncompressed layers',
  ],
  'what changed': ['test/cli/cli.node.test.ts', 'compares two images as GET /v1/diff does'],
  'as a job (remote)': ['test/cli/remote-output.node.test.ts', 'jobs watch shows bytes and rate'],
  'promote (remote)': ['test/cli/remote-output.node.test.ts', 'rules and promote print text'],
};

it("every row of the README's command-line table is exercised by a test of the executable", () => {
  const rows = read('README.md')
    .split('\n')
    .filter((l) => l.startsWith('| ') && l.includes('`ferry '))
    .map((l) => l.split('|')[1]!.trim());
  expect(rows.length).toBeGreaterThan(15);
  expect(rows.filter((task) => !EXERCISED[task])).toEqual([]);
  for (const task of rows) {
    const [file, test] = EXERCISED[task]!;
    expect(read(file), `${task}: ${file}`).toContain(test);
  }
});
