#!/usr/bin/env node
// The SDK's size budget: bundles each entry of @music-apis/sdk as an app's production build would
// (the built ESM in packages/sdk/dist, ky included, minified and tree-shaken by esbuild), prints its
// gzip size, and exits 1 when an entry is over its budget. Run after `pnpm build` (CI does).
//   entry          every export of the entry: what `import * as sdk from '…'` costs (the budget)
//   client only    just `create<Api>Client`: what an app that only builds the client ships
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sdk = join(root, 'packages/sdk');

/** Gzip budgets in bytes (1 kB = 1000 B), per export of the package; `@music-apis/sdk/track-manager` is the one the issue sets. */
const BUDGETS = {
  '.': 7_000,
  './track-manager': 7_000,
  // Helpers beyond the generated methods: uploadViaSession and createPlaybackSession (client methods)
  // and the tree-shakable verifyWebhookSignature and signDeliveryUrl, which apps that only build the
  // client do not ship.
  './collections': 10_500,
  './songs': 8_500,
  // The three token providers (client credentials, rotating session, UDT per device) beside the
  // generated methods, the catalog and playlist search iterators (client methods) and the
  // tree-shakable stream URL resolver.
  './streaming': 9_000,
  // The session helper, and the download task handles with the progress-stream watcher (SSE parsing,
  // reconnects), tree-shakable: an app that only builds the client does not ship them.
  './downloader': 10_000,
};

async function gzipSize(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: sdk, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

const { exports } = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
const rows = [];
let failed = false;
for (const [subpath, target] of Object.entries(exports)) {
  const file = `./${target.import.default.replace(/^\.\//, '')}`;
  if (!existsSync(join(sdk, file))) {
    console.error(`${file} is missing: run \`pnpm build\` first.`);
    process.exit(1);
  }
  const budget = BUDGETS[subpath];
  const entry = await gzipSize(`export * from '${file}';`);
  const factory = `create${subpath.replace(/^\.\//, '').replace(/(^|-)([a-z])/g, (_m, _d, c) => c.toUpperCase())}Client`;
  const exported = readFileSync(join(sdk, file), 'utf8').includes(factory);
  const clientOnly = exported ? await gzipSize(`export { ${factory} } from '${file}';`) : undefined;
  const over = budget === undefined || entry > budget;
  failed ||= over;
  rows.push({
    entry: `@music-apis/sdk${subpath.slice(1)}`,
    'gzip (entry)': kB(entry),
    'gzip (client only)': clientOnly === undefined ? '' : kB(clientOnly),
    budget: budget === undefined ? 'none: add one to BUDGETS' : kB(budget),
    '': over ? 'OVER' : 'ok',
  });
}
console.table(rows);
if (failed) {
  console.error('An SDK entry is over its size budget (scripts/check-size.mjs).');
  process.exit(1);
}
