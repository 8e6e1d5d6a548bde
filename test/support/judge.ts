// skopeo and crane as judges, reachable over HTTP so tests running inside workerd can ask them too.
// POST / {"action": "raw" | "copy-all" | "list-tags" | "crane-validate" | "crane-digest" | "oras-discover",
// "ref": "host/repo:tag" (list-tags: "host/repo"), "creds"?: "user:pass", "spec"?: oras's --distribution-spec}.
// crane-validate: `crane validate --remote` (every blob read and digested); crane-digest: the digest crane
// computes for the manifest (artifacts and foreign layers fail validation whatever a copy does);
// oras-discover: the referrers oras finds (`referrers`: digest and artifactType of each).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireGoBinary } from './binaries.js';
import { skopeo } from './skopeo.js';

async function crane(args: string[], creds?: string): Promise<string> {
  const env = { ...process.env };
  if (creds) {
    // crane reads credentials from a Docker config of its own, never from the caller's.
    const [username, password] = [creds.slice(0, creds.indexOf(':')), creds.slice(creds.indexOf(':') + 1)];
    env.DOCKER_CONFIG = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'judge-crane-'));
    await promisify(execFile)(
      requireGoBinary('crane'),
      ['auth', 'login', args.at(-1)!.split('/')[0]!, '-u', username, '-p', password, '--insecure'],
      { env },
    );
  }
  try {
    const { stdout } = await promisify(execFile)(requireGoBinary('crane'), [...args, '--insecure'], {
      env,
      maxBuffer: 16 << 20,
    });
    return stdout;
  } finally {
    if (env.DOCKER_CONFIG) rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
  }
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface JudgeVerdict {
  ok: boolean;
  /** Raw manifest bytes, base64 (action "raw"). */
  raw?: string;
  /** The repository's tags (action "list-tags"). */
  tags?: string[];
  /** The manifest's digest as crane computes it (action "crane-digest"). */
  digest?: string;
  /** What oras discovers (action "oras-discover"). */
  referrers?: { digest: string; artifactType: string }[];
  error?: string;
}

export async function startJudge(dir: string, port: number): Promise<Server> {
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const { action, ref, creds, spec } = JSON.parse(body) as {
        action: string;
        ref: string;
        creds?: string;
        spec?: string;
      };
      const auth = ['--src-tls-verify=false', ...(creds ? [`--src-creds=${creds}`] : [])];
      let verdict: JudgeVerdict;
      try {
        if (action === 'raw') {
          const out = await skopeo([
            'inspect',
            '--raw',
            '--tls-verify=false',
            ...(creds ? [`--creds=${creds}`] : []),
            `docker://${ref}`,
          ]);
          verdict = { ok: true, raw: out.toString('base64') };
        } else if (action === 'oras-discover') {
          const args = ['discover', '--plain-http', '--format', 'json', '--depth', '1'];
          if (spec) args.push('--distribution-spec', spec);
          const { stdout } = await promisify(execFile)(requireGoBinary('oras'), [...args, ref], {
            maxBuffer: 16 << 20,
          });
          const found = JSON.parse(stdout) as { referrers?: { digest: string; artifactType?: string }[] };
          verdict = {
            ok: true,
            referrers: (found.referrers ?? []).map((r) => ({ digest: r.digest, artifactType: r.artifactType ?? '' })),
          };
        } else if (action === 'crane-validate') {
          await crane(['validate', '--remote', ref], creds);
          verdict = { ok: true };
        } else if (action === 'crane-digest') {
          verdict = { ok: true, digest: (await crane(['digest', ref], creds)).trim() };
        } else if (action === 'list-tags') {
          const out = await skopeo([
            'list-tags',
            '--tls-verify=false',
            ...(creds ? [`--creds=${creds}`] : []),
            `docker://${ref}`,
          ]);
          verdict = { ok: true, tags: (JSON.parse(out.toString()) as { Tags: string[] }).Tags };
        } else {
          // skopeo verifies every digest it reads while copying into the layout.
          const pullAll = async (reference: string): Promise<void> => {
            const raw = JSON.parse(
              (
                await skopeo([
                  'inspect',
                  '--raw',
                  '--tls-verify=false',
                  ...(creds ? [`--creds=${creds}`] : []),
                  `docker://${reference}`,
                ])
              ).toString(),
            );
            const children: { digest: string; mediaType: string }[] = raw.manifests ?? [];
            // skopeo 1.9 cannot pull an index that holds an index: judge such a tree index by index.
            if (children.some((c) => INDEX_TYPES.includes(c.mediaType))) {
              const repo = reference.replace(/[:@][^/]*$/, '');
              for (const child of children) await pullAll(`${repo}@${child.digest}`);
              return;
            }
            const out = mkdtempSync(join(dir, `judge-${n++}-`));
            try {
              await skopeo(['copy', '--all', ...auth, `docker://${reference}`, `oci:${out}:judged`]);
            } finally {
              rmSync(out, { recursive: true, force: true });
            }
          };
          await pullAll(ref);
          verdict = { ok: true };
        }
      } catch (error) {
        verdict = { ok: false, error: String(error) };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
