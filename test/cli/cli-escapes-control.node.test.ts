// Security review v2, B6: strings a registry chose reached the terminal raw: `ferry tags` printed a tag
// holding ESC ] 0 (set the title) and ESC [ 2J (clear the screen), `ferry diff` a label holding OSC 52
// (write the clipboard). Every string from a registry or a server is now escaped before it reaches a
// terminal or plain text (C0 but tab and newline, DEL, C1, ESC); --json stays JSON, with those escaped.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { OciLayout } from '../support/oci-layout.js';
import { skopeoCopy } from '../support/skopeo.js';

const fixture = inject('fixture');
const FERRY = fileURLToPath(new URL('../../dist/cli/ferry.cjs', import.meta.url));
const registry = fixture.registries.anonymous.host;
const hostile = fixture.faultProxy;
const TITLE = '\x1b]0;PWNED-TITLE\x07\x1b[2Jfake';
const CLIPBOARD = '\x1b]52;c;ZWNobyBwd25lZA==\x07';
const C1 = '\u009b31mred\u0085next\u007f';
// Raw bytes no terminal may get from a registry: C0 but tab and newline, DEL, C1.
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const dir = mkdtempSync(join(tmpdir(), 'ferry-escape-'));
const repository = uniqueRepository('escape/app');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const layout = new OciLayout(join(dir, 'layout'));
  const layer = layout.layer([['hello', 'hello\n']]);
  const image = (x: string) =>
    layout.image({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [layer],
      config: { Labels: { x }, Env: [`E=${x}`] },
    });
  layout.tag(image('plain'), 'v1');
  layout.tag(image(`${CLIPBOARD}${C1}`), 'v2');
  for (const tag of ['v1', 'v2'])
    await skopeoCopy(`oci:${layout.dir}:${tag}`, `docker://${registry}/${repository}:${tag}`);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      registries: {
        [registry]: { insecure: true },
        [hostile]: {
          insecure: true,
          headers: {
            'x-ferry-fault': 'hostile-tags',
            'x-ferry-fault-arg': `b64:${Buffer.from(TITLE).toString('base64url')}`,
          },
        },
      },
    }),
  );
});

function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FERRY, ...args, '--config', join(dir, 'config.json')],
      { env: { PATH: process.env.PATH!, HOME: dir }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('ferry tags escapes a hostile tag: no title, no cleared screen', async () => {
  const run = await ferry('tags', `${hostile}/${repository}`);
  expect(run.stdout).not.toMatch(RAW_CONTROL);
  expect(run.stdout).toContain('\\x1b]0;PWNED-TITLE\\x07');
});

it('ferry diff and inspect escape labels and env (OSC 52, C1), and --json stays JSON', async () => {
  const diff = await ferry('diff', `${registry}/${repository}:v1`, `${registry}/${repository}:v2`);
  expect(diff.stdout, diff.stderr).toContain('\\x1b]52;c;');
  expect(diff.stdout).toContain('\\x9b31mred\\x85next\\x7f');
  expect(diff.stdout).not.toMatch(RAW_CONTROL);
  const inspect = await ferry('inspect', `${registry}/${repository}:v2`);
  expect(inspect.code, inspect.stderr).toBe(0);
  expect(inspect.stdout).not.toMatch(RAW_CONTROL);
  const json = await ferry('inspect', `${registry}/${repository}:v2`, '--json');
  expect(json.stdout).not.toMatch(RAW_CONTROL);
  expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(`${CLIPBOARD}${C1}`).slice(1, -1));
});
