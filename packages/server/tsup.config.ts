import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    // Started by path as a worker thread (core/sqlite-read-pool.ts finds it next to the bundle).
    'sqlite-read-worker': 'src/core/sqlite-read-worker.js',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  // Types for the programmatic API (createServer, loadConfig); the CLI needs none.
  dts: { entry: { index: 'src/index.ts' } },
  // No source maps in the published package (they doubled its size).
  sourcemap: false,
});
