import { wavFile } from '@music-apis/catalog';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable } from '../../../../tests/contract/ffmpeg.js';
import { loadConfig } from '../../src/core/config.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { CHROMIUM, chromiumAvailable } from './chromium.js';

// An `<audio>` element in real Chromium plays a play session's signed hq URL and seeks in it, which
// takes the byte ranges of the delivery URL. Skipped with a message where Chromium or ffmpeg is
// missing; CI sets REQUIRE_BROWSER=1 and REQUIRE_FFMPEG=1, so there it fails instead.
const hasChromium = chromiumAvailable('<audio> playback test');

const API_KEY = 'adn_audio_test_key';
const SECONDS = 6;

describe.skipIf(!hasChromium || !ffmpegAvailable('<audio> playback'))(
  'a browser <audio> element on a signed delivery URL',
  () => {
    let api: TestServer;
    let browser: Browser;
    beforeAll(async () => {
      const defaults = loadConfig({});
      api = await startTestServer({
        demoData: false,
        collections: { ...defaults.collections, apiKey: API_KEY },
        jobs: { ...defaults.jobs, pollIntervalMs: 20 },
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await api?.stop();
    });

    it('plays the hq MP3 and seeks to the middle (a ranged request)', async () => {
      const adn = createCollectionsClient({ baseUrl: api.baseUrl, apiKey: API_KEY, retry: 0 });
      const { collection_id } = await adn.createCollection({ body: { title: 'Listening' } });
      const { track } = await adn.uploadTrack({
        collectionId: collection_id,
        file: wavFile({ seconds: SECONDS, frequency: 440 }),
        fileName: 'listen.wav',
        waitUntilReady: { intervalMs: 50, timeoutMs: 30_000 },
      });
      const playback = await adn.createPlaybackSession({ trackId: track.id, variants: ['hq'] as const });
      const hq = playback.firstTrack?.urls.hq as string;

      const page = await browser.newPage();
      try {
        const ranges: string[] = [];
        page.on('request', (request) => {
          const range = request.headers().range;
          if (request.url() === hq && range) ranges.push(range);
        });
        const result = await page.evaluate(async (src) => {
          const audio = document.createElement('audio');
          document.body.append(audio);
          const once = (event: string) =>
            new Promise<void>((resolve, reject) => {
              audio.addEventListener(event, () => resolve(), { once: true });
              audio.addEventListener('error', () => reject(new Error(`media error ${audio.error?.code}`)), {
                once: true,
              });
            });
          audio.src = src;
          await once('loadedmetadata');
          const duration = audio.duration;
          await audio.play();
          await once('timeupdate');
          audio.currentTime = duration / 2;
          await once('seeked');
          const seekedTo = audio.currentTime;
          await new Promise((resolve) => setTimeout(resolve, 400));
          return {
            duration,
            seekedTo,
            playedOn: audio.currentTime,
            paused: audio.paused,
            seekable: audio.seekable.end(0),
          };
        }, hq);
        expect(result.duration).toBeCloseTo(SECONDS, 0);
        expect(result.seekable).toBeCloseTo(SECONDS, 0);
        expect(result.seekedTo).toBeCloseTo(SECONDS / 2, 0);
        expect(result.playedOn).toBeGreaterThan(result.seekedTo);
        expect(result.paused).toBe(false);
        // Chromium asked for byte ranges: the answer's 206 is what made the file seekable.
        expect(ranges.length).toBeGreaterThan(0);
      } finally {
        await page.close();
      }
    }, 60_000);
  },
);
