import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@music-apis/source` export
// condition), so tests need no build. The examples are the exception: they test the built
// packages exactly as users install them.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// No `module` condition (Vite's default has it): vitest hands these conditions to Node itself, and
// under `module` the AWS SDK resolves to its bundler-only ESM build, which Node cannot load.
const conditions = ['@music-apis/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      { extends: true, test: { name: 'spec', root: here('packages/spec') } },
      { extends: true, test: { name: 'catalog', root: here('packages/catalog') } },
      { extends: true, test: { name: 'domain', root: here('packages/domain') } },
      { extends: true, test: { name: 'sdk', root: here('packages/sdk') } },
      { extends: true, test: { name: 'mock', root: here('packages/mock') } },
      {
        extends: true,
        test: {
          name: 'server',
          root: here('packages/server'),
          testTimeout: 20_000,
          exclude: [...configDefaults.exclude, 'test/browser/**'],
        },
      },
      // A cross-origin page using the SDK against the server in headless Chromium (REQUIRE_BROWSER=1 in CI).
      {
        extends: true,
        test: {
          name: 'server-browser',
          root: here('packages/server'),
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'contract', root: here('tests/contract'), testTimeout: 20_000, hookTimeout: 60_000 },
      },
      'examples/*',
    ],
  },
});
