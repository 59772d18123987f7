import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { demoCatalog } from '@music-apis/catalog';
import { streamIdOf } from '@music-apis/domain';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPlayedFor, playWithHlsJs } from '../../../tests/contract/hls-player.js';
import { STREAMING_MOCK_CLIENT } from '../src/index.js';
import { setupMockServer } from '../src/node.js';

// hls.js in real Chromium plays the mock's HLS manifest: its precomputed AAC frames, answered by the
// mock in Node (MSW) through Playwright's request routing. It reports the track's duration and plays
// on. Skipped with a message where Chromium is not installed; CI sets REQUIRE_BROWSER=1.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);
if (!available) console.warn(`\n[mock] ${CHROMIUM} not found: the hls.js playback test is SKIPPED.\n`);

const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
const BASE_URL = 'http://mock.music-apis.test';
const track = [...demoCatalog.tracks()].sort((a, b) => a.durationMs - b.durationMs)[0]!;

/** A new user's manifest URL and headers, as the SDK's `resolveStreamUrl` gives them (the mock has no SDK). */
async function listenerStream() {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${BASE_URL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    expect(response.ok, path).toBe(true);
    return response.json() as Promise<Record<string, string>>;
  };
  const { access_token: tenantToken } = await post('/oauth/token', {
    grant_type: 'client_credentials',
    client_id: STREAMING_MOCK_CLIENT.clientId,
    client_secret: STREAMING_MOCK_CLIENT.clientSecret,
  });
  const user = await post(
    '/api/v1/users',
    {
      first_name: 'Hal',
      last_name: 'Ess',
      email: `hls-${randomUUID()}@example.com`,
      date_of_birth: '1990-01-15',
    },
    tenantToken,
  );
  const deviceId = randomUUID();
  const { token } = await post(`/api/v1/users/${user.id}/udt`, { deviceId }, tenantToken);
  return {
    url: `${BASE_URL}/api/v1/streams/${streamIdOf(track)}/manifest.m3u8`,
    headers: { authorization: `Bearer ${token}`, 'x-device-id': deviceId },
  };
}

describe.skipIf(!available)('hls.js in Chromium plays a mock manifest', () => {
  const { server } = setupMockServer({ baseUrl: BASE_URL });
  let browser: Browser;
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server.close();
  });

  it('plays the mock’s AAC segments, for the track’s duration', async () => {
    const stream = await listenerStream();
    const page = await browser.newPage();
    try {
      // The page's requests to the mock's origin are answered by the mock, here in Node.
      await page.route(`${BASE_URL}/**`, async (route) => {
        const request = route.request();
        if (request.url() === `${BASE_URL}/`) {
          await route.fulfill({
            status: 200,
            contentType: 'text/html',
            body: '<!doctype html><title>mock</title>',
          });
          return;
        }
        const answer = await fetch(request.url(), { headers: request.headers() });
        await route.fulfill({
          status: answer.status,
          headers: Object.fromEntries(answer.headers),
          body: Buffer.from(await answer.arrayBuffer()),
        });
      });
      await page.goto(`${BASE_URL}/`);
      const result = await playWithHlsJs(page, stream, HLS_JS);
      const seconds = track.durationMs / 1000;
      expectPlayedFor(result, seconds);
    } finally {
      await page.close();
    }
  }, 60_000);
});
