// Two projects run the same runtime-neutral tests: on Node, and inside workerd (vitest-pool-workers).
// Files named *.node.test.ts need Node (processes, sockets, the file system) and run on Node only.
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        resolve: { alias: { '@test-runtime': here('./test/support/runtime-node.ts') } },
        test: { name: 'node', include: ['test/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { cf: false },
          }),
        ],
        resolve: { alias: { '@test-runtime': here('./test/support/runtime-workerd.ts') } },
        test: { name: 'workerd', include: ['test/**/*.test.ts'], exclude: ['test/**/*.node.test.ts'] },
      },
    ],
  },
});
