import { wavFile } from '@music-apis/catalog';
import { isApiError } from '@music-apis/sdk';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { PROCESSED_STATUS, settledTrack, startTestServer, type TestServer } from './helpers.js';

const API_KEY = 'adn_upload_retry_test_key';
let test: TestServer;
beforeAll(async () => {
  const defaults = loadConfig({});
  test = await startTestServer({
    demoData: false,
    collections: { ...defaults.collections, apiKey: API_KEY },
    jobs: { ...defaults.jobs, pollIntervalMs: 20 },
  });
});
afterAll(() => test?.stop());

it('a track whose upload died with the server gets a new upload URL that works', async () => {
  const api = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });
  const { collection_id } = await api.createCollection({ body: { title: 'Crash' } });
  const created = await api.createTrack({ body: { collection_id, file_name: 'crash.wav' } });
  // The instance that was receiving the upload was killed mid-body: the URL's claim stays, and
  // nothing released it. The URL is used up and the track still initialized.
  const signature = new URL(created.track_upload.upload_url).searchParams.get('signature');
  const expires = Number(new URL(created.track_upload.upload_url).searchParams.get('expires'));
  await test.server.db('collections_upload_claims').insert({ signature, expires });
  const retried = await api
    .uploadTrackAudio({ uploadUrl: created.track_upload.upload_url, body: wavFile({ seconds: 0.3 }) })
    .catch((error: unknown) => error);
  expect(isApiError(retried) && retried.status).toBe(403);
  expect((await api.getTrack({ track_id: created.track_id })).track.status).toBe('initialized');

  const fresh = await api.createTrackUpload({ track_id: created.track_id });
  await api.uploadTrackAudio({ uploadUrl: fresh.track_upload.upload_url, body: wavFile({ seconds: 0.3 }) });
  const processed = await settledTrack(() => api.getTrack({ track_id: created.track_id }));
  expect(processed.status).toBe(PROCESSED_STATUS);
  expect(processed.duration).toBeCloseTo(0.3, 2);
});
