import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@music-apis/source` export
// condition), so tests need no build. The examples are the exception: they test the built
// packages exactly as users install them.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const conditions = ['@music-apis/source', 'module', 'node', 'development|production'];

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
      { extends: true, test: { name: 'server', root: here('packages/server'), testTimeout: 20_000 } },
      {
        extends: true,
        test: { name: 'contract', root: here('tests/contract'), testTimeout: 20_000, hookTimeout: 60_000 },
      },
      'examples/*',
    ],
  },
});
