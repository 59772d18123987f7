import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The browser entry in a real browser: Debian's Chromium, driven by playwright-core. Skipped with a
// message where Chromium is not installed; CI installs it and sets REQUIRE_BROWSER=1.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);
if (!available)
  console.warn(`\n[mock] ${CHROMIUM} not found: the browser test of @music-apis/mock is SKIPPED.\n`);

describe.skipIf(!available)('mock in the browser (service worker)', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, 'browser/page.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['@music-apis/source', 'browser'],
    });
    const script = bundle.outputFiles[0]!.text;
    const msw = dirname(createRequire(import.meta.url).resolve('msw/package.json'));
    const worker = await readFile(join(msw, 'lib/mockServiceWorker.js'));
    server = createServer((request, response) => {
      const files: Record<string, [string, string | Buffer]> = {
        '/': ['text/html', '<!doctype html><script type="module" src="/page.js"></script>'],
        '/page.js': ['text/javascript', script],
        '/mockServiceWorker.js': ['text/javascript', worker],
      };
      const file = files[request.url ?? ''];
      response.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' });
      response.end(file?.[1] ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('answers from a service worker: stateful, with JPEG covers and overrides', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(origin);
      await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 20_000 });
      expect(await page.evaluate(() => window.__result)).toEqual({
        created: 'Ellington: Mood Indigo',
        playbackSeconds: 201,
        coverType: 'image/jpeg',
        coverWidth: 96,
        overriddenStatus: 404,
        savedInMockState: true,
      });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
