// The document's path that writes a second name in a repository (its delete sits with /v1/manifest's read).

import { body, common, json, upstream } from './parts.js';

export const namePaths = {
  '/v1/tag': {
    post: {
      operationId: 'tag',
      summary:
        'Name an image again in its own repository (crane tag): its manifest read once and written under each new ' +
        'tag, no blob moved (needs inspect and copy on the repository)',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/TagRequest' } } },
      },
      responses: {
        '200': json('{target, digest, tags}: the repository, the digest the tags name, the tags written'),
        ...common,
        ...body,
        ...upstream,
      },
    },
  },
};
