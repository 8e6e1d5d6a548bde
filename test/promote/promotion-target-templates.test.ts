// One rule for every repository: target templates {repository} (the source path below the glob's literal
// segments, whole segments only) and {name} (its last segment), checked as repository names.

import { expect, inject, it } from 'vitest';
import { renderRepository } from '../../src/ops/promote/index.js';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;

it('staging/** -> prod/{repository} and -> flat/{name}: each source repository lands under its own name', async () => {
  const staging = uniqueRepository('staging-root');
  const prod = uniqueRepository('prod-root');
  const service = makeService({
    registries: localRegistries(source, registry),
    promotion: {
      rules: [
        {
          name: 'mirror-tree',
          source: { repository: `${registry}/${staging}/**`, tags: { semver: '>=1.0.0' } },
          targets: [
            { repository: `${registry}/${prod}/{repository}`, tags: ['{tag}'] },
            { repository: `${registry}/${prod}-flat/{name}`, tags: ['{tag}'] },
          ],
        },
      ],
    },
  });
  for (const repo of ['team/app', 'tools']) {
    expect(
      (
        await runCopy(
          service,
          { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${staging}/${repo}:1.0.0` },
          'application/json',
        )
      ).status,
    ).toBe(200);
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${registry}/${staging}/${repo}:1.0.0`, rule: 'mirror-tree', dryRun: false }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}/team/app:1.0.0`)).raw).toBe(
    fixture.skopeo.anonymous.v2s2!.raw,
  );
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}/tools:1.0.0`)).raw).toBe(
    fixture.skopeo.anonymous.v2s2!.raw,
  );
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}-flat/app:1.0.0`)).raw).toBe(
    fixture.skopeo.anonymous.v2s2!.raw,
  );
});

it.each([
  ['r/prod/{repository}', 'r/staging/**', 'r/staging/a/b', 'r/prod/a/b'],
  ['r/prod/{repository}', 'r/staging/app-*', 'r/staging/app-x', 'r/prod/app-x'],
  ['r/prod/{name}', 'r/staging/**', 'r/staging/a/b', 'r/prod/b'],
  ['r/prod/fixed', 'r/staging/**', 'r/staging/a', 'r/prod/fixed'],
])('%s for %s renders %s as %s', (template, glob, repository, expected) => {
  expect(renderRepository(template, glob, repository, 'r')).toBe(expected);
});

it.each([
  ['r/prod/{repository}', 'r/staging/app', 'r/staging/app', 'names no repository'],
  ['r/prod/{other}', 'r/staging/**', 'r/staging/a', 'placeholder'],
  ['r/PROD/{repository}', 'r/staging/**', 'r/staging/a', 'not a repository name'],
])('%s for %s is a RULE_MISMATCH (%s)', (template, glob, repository, why) => {
  expect(() => renderRepository(template, glob, repository, 'r')).toThrowError(
    expect.objectContaining({ code: 'RULE_MISMATCH', message: expect.stringContaining(why) }),
  );
});
