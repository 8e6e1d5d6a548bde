// A copy keeps its connections to a registry open between requests. Registries answer an upload's POST
// and PUT with empty bodies; dropping such a body by cancelling it closed the connection on Node, so every
// blob copied cost two new connections (and their handshakes).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { startRegistryGate } from '../support/registry-gate.js';

const fixture = inject('fixture');
const FERRY = fileURLToPath(new URL('../../dist/cli/ferry.cjs', import.meta.url));
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

it('the executable copies 300 blobs over a handful of connections to the target, not two new ones per blob', async () => {
  const gate = await startRegistryGate(Number(target.split(':')[1]), () => undefined);
  const home = mkdtempSync(join(tmpdir(), 'ferry-connections-'));
  try {
    const { repository, tag, digest, count } = fixture.bulk.layers;
    const to = `${gate.host}/${uniqueRepository('connections/layers')}:v1`;
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [FERRY, 'copy', `${source}/${repository}:${tag}`, to, '--quiet'],
        { env: { PATH: process.env.PATH!, HOME: home }, timeout: 120_000 },
        (error, _out, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(0);
    const [copied, original] = await Promise.all([
      judge(fixture.judge, 'raw', to.replace(gate.host, target)),
      judge(fixture.judge, 'raw', `${source}/${repository}@${digest}`),
    ]);
    expect(copied.ok && original.ok).toBe(true);
    expect(copied.raw).toBe(original.raw);
    expect(count).toBe(300);
    // Six blobs move at once, each with a HEAD and a POST in flight together: a dozen connections at most,
    // some slack for the registry closing idle ones. Before: over 600 (the POST's and the PUT's each closed).
    expect(gate.connections).toBeLessThanOrEqual(30);
  } finally {
    rmSync(home, { recursive: true, force: true });
    await gate.close();
  }
}, 180_000);
