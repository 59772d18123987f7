import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { demoCatalog } from '@music-apis/catalog';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { PROCESSED_STATUS, startTestServer, type TestServer } from '../helpers.js';
import { CHROMIUM, chromiumAvailable } from './chromium.js';

// A browser app on another origin using the SDK against the server, in real Chromium (`chromium.ts`:
// skipped with a message where it is not installed, failing under REQUIRE_BROWSER=1).
const available = chromiumAvailable('cross-origin browser test of the server');

const API_KEY = 'adn_browser_test_key';
/** A host name that is not local, for the refused origin: Chromium resolves it to 127.0.0.1. */
const FOREIGN_HOST = 'app.music-apis.test';

describe.skipIf(!available)('the SDK in a browser page on another origin (CORS)', () => {
  let api: TestServer;
  let pages: Server;
  let pagesPort: number;
  let browser: Browser;

  beforeAll(async () => {
    // The development default policy: any localhost / 127.0.0.1 origin, nothing else.
    const defaults = loadConfig({});
    api = await startTestServer({
      demoData: false,
      collections: { ...defaults.collections, apiKey: API_KEY },
      jobs: { ...defaults.jobs, pollIntervalMs: 20 },
    });
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, 'page.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@music-apis/source', 'browser'],
    });
    const script = bundle.outputFiles[0]!.text;
    const config = (expectRefusal: boolean) =>
      JSON.stringify({
        apiUrl: api.baseUrl,
        isrc: demoCatalog.trackAt(0).isrc,
        collectionsApiKey: API_KEY,
        expectRefusal,
      });
    // The app's own static server: a page and its script, on a port of its own.
    pages = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://pages');
      if (url.pathname === '/page.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        response.end(script);
        return;
      }
      response.writeHead(url.pathname === '/' ? 200 : 404, { 'content-type': 'text/html' });
      response.end(
        `<!doctype html><title>app</title><script>window.__config = ${config(url.searchParams.has('refused'))};</script><script type="module" src="/page.js"></script>`,
      );
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesPort = (pages.address() as { port: number }).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--host-resolver-rules=MAP ${FOREIGN_HOST} 127.0.0.1`,
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (pages ? pages.close(resolve) : resolve(undefined)));
    await api?.stop();
  });

  const resultOf = async (url: string) => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      const text = await page.locator('#result').textContent({ timeout: 30_000 });
      return JSON.parse(text ?? 'null') as Record<string, unknown>;
    } finally {
      await page.close();
    }
  };

  it('calls the track manager and the collections API (upload URL included) from another port', async () => {
    const pageOrigin = `http://localhost:${pagesPort}`;
    expect(new URL(api.baseUrl).port).not.toBe(String(pagesPort));
    const result = await resultOf(`${pageOrigin}/`);
    expect(result).toEqual({
      origin: pageOrigin,
      tokenType: 'Bearer',
      created: demoCatalog.trackAt(0).name,
      playbackSeconds: expect.any(Number),
      requestIdReadable: true,
      coverType: 'image/jpeg',
      coverWidth: expect.any(Number),
      missing: { status: 404, hasRequestId: true },
      uploadedTrack: { status: PROCESSED_STATUS, duration: 2 },
    });
  }, 60_000);

  it('is refused from an origin the policy does not allow', async () => {
    const result = await resultOf(`http://${FOREIGN_HOST}:${pagesPort}/?refused`);
    expect(result).toEqual({ refused: true });
  }, 60_000);
});
