// Two projects run the same runtime-neutral tests: on Node, and inside workerd (vitest-pool-workers).
// The workerd project runs in strict-platform mode (test/support/strict-platform.ts): the hosted limits
// enforced around Ferry. Files named *.node.test.ts need Node (processes, sockets, the file system) and run on Node only.
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// A project does not inherit the root's test options: each gets these (vitest's own 5 s is too short for
// tests that run several processes one after another on a busy machine).
const timeouts = { testTimeout: 30_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    ...timeouts,
    projects: [
      {
        resolve: { alias: { '@test-runtime': here('./test/support/runtime-node.ts') } },
        test: { name: 'node', include: ['test/**/*.test.ts'], environment: 'node', ...timeouts },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            const { registries, targets } = inject('fixture');
            // The worker's own FERRY_CONFIG (worker.ts, its Workflow and cron): the test registries.
            const config = {
              registries: {
                [registries.anonymous.host]: { insecure: true },
                [targets.anonymous.host]: { insecure: true },
              },
              callers: { anonymous: true },
            };
            return {
              wrangler: { configPath: './wrangler.toml' },
              miniflare: { cf: false, bindings: { FERRY_CONFIG: JSON.stringify(config) } },
            };
          }),
        ],
        resolve: { alias: { '@test-runtime': here('./test/support/runtime-workerd.ts') } },
        test: {
          name: 'workerd',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.node.test.ts'],
          setupFiles: ['./test/support/strict-setup.ts'],
          ...timeouts,
        },
      },
    ],
  },
});
