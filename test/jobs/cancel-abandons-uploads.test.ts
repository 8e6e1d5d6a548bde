// A cancelled job leaves no upload open at its target: the sessions recorded in the state store for that
// repository are DELETEd at the registry and forgotten.

import { expect, inject, it } from 'vitest';
import { abandonUploads, UploadRecorder, uploadSessionKey } from '../../src/ops/copy/index.js';
import { uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;

it('recorded upload sessions of a repository are cancelled at the registry and forgotten', async () => {
  const service = makeService({ registries: localRegistries(target) });
  const repository = uniqueRepository('abandoned');
  const opened = await fetch(`http://${target}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(opened.status).toBe(202);
  const location = new URL(opened.headers.get('location')!, `http://${target}`).toString();
  const key = uploadSessionKey(target, repository, `sha256:${'c'.repeat(64)}`, 'a-job');
  await new UploadRecorder(service.deps, key).chunk({ location, minChunk: undefined }, 0);

  expect(await abandonUploads(service.deps, target, repository, 'a-job')).toBe(1);
  expect(await service.deps.state.get(key)).toBeNull();
  expect((await fetch(location)).status).toBe(404); // distribution: BLOB_UPLOAD_UNKNOWN
});

it("a cancelled job abandons its own uploads only, never another copy's into the same repository", async () => {
  const service = makeService({ registries: localRegistries(target) });
  const repository = uniqueRepository('abandoned-own');
  const open = async () => {
    const opened = await fetch(`http://${target}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    return new URL(opened.headers.get('location')!, `http://${target}`).toString();
  };
  const digest = `sha256:${'d'.repeat(64)}`;
  const [mine, theirs] = [await open(), await open()];
  await new UploadRecorder(service.deps, uploadSessionKey(target, repository, digest, 'cancelled-job')).chunk(
    { location: mine, minChunk: undefined },
    0,
  );
  const otherKey = uploadSessionKey(target, repository, digest, 'another-copy');
  await new UploadRecorder(service.deps, otherKey).chunk({ location: theirs, minChunk: undefined }, 0);

  expect(await abandonUploads(service.deps, target, repository, 'cancelled-job')).toBe(1);
  expect((await fetch(mine)).status).toBe(404);
  expect(await service.deps.state.get(otherKey)).not.toBeNull();
  expect((await fetch(theirs)).status).toBe(204); // still open: distribution answers its status
});
