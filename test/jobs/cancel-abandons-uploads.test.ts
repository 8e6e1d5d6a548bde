// A cancelled job leaves no upload open at its target: the sessions recorded in the state store for that
// repository are DELETEd at the registry and forgotten.

import { expect, inject, it } from 'vitest';
import { abandonUploads, recordUploadSession, uploadSessionKey } from '../../src/ops/copy/index.js';
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
  await recordUploadSession(service.deps, key, { location, offset: 0 });

  expect(await abandonUploads(service.deps, target, repository)).toBe(1);
  expect(await service.deps.state.get(key)).toBeNull();
  expect((await fetch(location)).status).toBe(404); // distribution: BLOB_UPLOAD_UNKNOWN
});
