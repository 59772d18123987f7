import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { demoCatalog } from '@music-apis/catalog';
import { streamIdOf } from '@music-apis/domain';
import { createStreamingClient, resolveStreamUrl } from '@music-apis/sdk/streaming';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ffmpegAvailable } from '../../../../tests/contract/ffmpeg.js';
import { expectPlayedFor, playWithHlsJs } from '../../../../tests/contract/hls-player.js';
import { createStreamingClient as createOAuthClient } from '../../src/streaming/clients.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { CHROMIUM, chromiumAvailable } from './chromium.js';

// hls.js in real Chromium plays a track's HLS manifest from the server (segments cut by ffmpeg):
// it reports the track's duration and plays on (packages/mock/test/hls-playback.test.ts: the mock's). Skipped with a message where Chromium or ffmpeg is
// missing; CI sets REQUIRE_BROWSER=1 and REQUIRE_FFMPEG=1, so there it fails instead.
const hasChromium = chromiumAvailable('hls.js playback test');
const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

/** The shortest demo track: quick to cut on a busy machine. */
const track = [...demoCatalog.tracks()].sort((a, b) => a.durationMs - b.durationMs)[0]!;

async function listenerOf(baseUrl: string, tenant: { clientId: string; clientSecret: string }) {
  const api = createStreamingClient({ baseUrl, retry: 0, auth: { tenant } });
  const user = await api.createUser({
    body: {
      first_name: 'Hal',
      last_name: 'Ess',
      email: `hls-${randomUUID()}@example.com`,
      date_of_birth: '1990-01-15',
    },
  });
  const deviceId = randomUUID();
  const { token } = await api.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  const listener = createStreamingClient({ baseUrl, retry: 0, auth: { user: token }, deviceId });
  return resolveStreamUrl(listener, { stream_id: streamIdOf(track) });
}

describe.skipIf(!hasChromium)('hls.js in Chromium plays a streaming manifest', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  const seconds = track.durationMs / 1000;

  describe.skipIf(!ffmpegAvailable('hls.js playback'))('from the server', () => {
    let api: TestServer;
    beforeAll(async () => {
      api = await startTestServer();
    }, 60_000);
    afterAll(() => api?.stop());

    it('plays the segments ffmpeg cut, for the track’s duration', async () => {
      const client = await createOAuthClient(api.server.db, { tenant: 'acme' });
      const stream = await listenerOf(api.baseUrl, client);
      const page = await browser.newPage();
      try {
        await page.goto(`${api.baseUrl}/`);
        const result = await playWithHlsJs(page, stream, HLS_JS);
        expectPlayedFor(result, seconds);
      } finally {
        await page.close();
      }
    }, 60_000);
  });
});
