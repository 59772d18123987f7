import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { collectionsDemoCollections, wavFile } from '@music-apis/catalog';
import { createCollectionsClient, isApiError } from '@music-apis/sdk/collections';
import { parseFile } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey, createFirstApiKey } from '../src/collections/api-keys.js';
import { createUploadUrlSigner } from '../src/collections/upload-urls.js';
import { loadConfig } from '../src/core/config.js';
import { getOrCreateSecret } from '../src/core/secrets.js';
import {
  FFMPEG_INSTALLED,
  PROCESSED_STATUS,
  settledTrack,
  startTestServer,
  type TestServer,
} from './helpers.js';

const API_KEY = 'adn_server_test_key';
const MAX_AUDIO_BYTES = 64 * 1024;

async function filesUnder(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

let test: TestServer;
let api: ReturnType<typeof createCollectionsClient>;
const blobsOf = () => filesUnder(join(test.dataDir, 'blobs', 'collections'));

beforeAll(async () => {
  const defaults = loadConfig({});
  test = await startTestServer({
    collections: { ...defaults.collections, apiKey: API_KEY, maxAudioBytes: MAX_AUDIO_BYTES },
    jobs: { ...defaults.jobs, pollIntervalMs: 20 },
  });
  api = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });
});
afterAll(() => test?.stop());

describe('collections server', () => {
  it('refuses an expired upload URL with 403, even with a valid signature', async () => {
    const { collection_id } = await api.createCollection({ body: { title: 'Expiry' } });
    const created = await api.createTrack({ body: { collection_id, file_name: 'late.wav' } });
    const signer = createUploadUrlSigner(await getOrCreateSecret(test.server.db, 'collections-upload-url'));
    const path = `/v1/upload/track/${created.track_id}`;
    const past = createUploadUrlSigner(
      await getOrCreateSecret(test.server.db, 'collections-upload-url'),
      () => Date.now() - 7200_000,
    ).issue('PUT', test.baseUrl, path, 3600);
    const error = await api
      .uploadTrackAudio({ uploadUrl: past.upload_url, body: wavFile({ seconds: 0.1, sampleRate: 8000 }) })
      .catch((e) => e);
    expect(isApiError(error) && error.status).toBe(403);
    expect(error.body).toMatchObject({ ok: false, message: 'Upload URL expired, already used or invalid' });
    // The same path signed now works: the signer and the server agree on the formula.
    const fresh = signer.issue('PUT', test.baseUrl, path, 60);
    expect(
      (
        await api.uploadTrackAudio({
          uploadUrl: fresh.upload_url,
          body: wavFile({ seconds: 0.1, sampleRate: 8000 }),
        })
      ).track.status,
    ).toBe('processing');
  });

  it('leaves no file behind: over-size uploads, non-audio, and deleted tracks and collections', async () => {
    // Earlier tests' tracks finish processing (writing their files) first.
    await vi.waitFor(
      async () =>
        expect(await test.server.db('collections_tracks').where({ status: 'processing' })).toEqual([]),
      { timeout: 20_000, interval: 50 },
    );
    const before = await blobsOf();
    const { collection_id } = await api.createCollection({ body: { title: 'Files' } });
    const big = await api.createTrack({ body: { collection_id, file_name: 'big.wav' } });
    const tooLarge = new Uint8Array(MAX_AUDIO_BYTES * 4);
    for (const body of [tooLarge, new Blob([tooLarge]).stream()]) {
      const error = await api
        .uploadTrackAudio({ uploadUrl: big.track_upload.upload_url, body })
        .catch((e) => e);
      expect(isApiError(error) && error.status).toBe(413);
    }
    expect(await blobsOf()).toEqual(before);

    const text = await api
      .uploadTrack({
        collectionId: collection_id,
        file: new TextEncoder().encode('not audio'),
        fileName: 'x.mp3',
        waitUntilReady: { intervalMs: 20 },
      })
      .catch((e) => e.track);
    expect(text.status).toBe('init_error');
    expect(await blobsOf()).toEqual(before);

    const ready = await api.uploadTrack({
      collectionId: collection_id,
      file: wavFile({ seconds: 0.5, sampleRate: 8000 }),
      fileName: 'ok.wav',
      waitUntilReady: false,
    });
    const processed = await settledTrack(() => api.getTrack({ track_id: ready.track.id }));
    expect(processed).toMatchObject({ status: PROCESSED_STATUS, duration: 0.5 });
    const png = Uint8Array.from(
      atob(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      ),
      (char) => char.charCodeAt(0),
    );
    await api.uploadTrackCover({ uploadUrl: ready.created.track_cover_upload.upload_url, file: png });
    const cover = await api.createCollectionCover({ collection_id });
    await api.uploadCollectionCover({ uploadUrl: cover.collection_cover_upload.upload_url, file: png });
    // The audio, the two covers, and the files processing made under the track's delivery prefix.
    const delivered = (await blobsOf()).filter((file) => file.includes(`${ready.track.id}_`));
    // Without ffmpeg only the original is delivered.
    expect(delivered.length).toBeGreaterThanOrEqual(FFMPEG_INSTALLED ? 6 : 1);
    expect((await blobsOf()).length).toBe(before.length + 3 + delivered.length);

    await api.deleteCollection({ collection_id });
    expect(await blobsOf()).toEqual(before);
    const rows = await test.server.db('collections_tracks').where({ collection_id }).count({ count: '*' });
    expect(Number(rows[0]?.count)).toBe(0);
  });

  it('answers 413 at once for a declared over-size body, without waiting for it, and closes', async () => {
    const { collection_id } = await api.createCollection({ body: { title: 'Early 413' } });
    const created = await api.createTrack({ body: { collection_id, file_name: 'huge.wav' } });
    const url = new URL(created.track_upload.upload_url);
    const { status, connection } = await new Promise<{ status?: number; connection?: string }>(
      (resolve, reject) => {
        const request = httpRequest(url, {
          method: 'PUT',
          headers: { 'content-length': String(1024 * 1024 * 1024) },
        });
        request.on('response', (response) => {
          response.resume();
          resolve({ status: response.statusCode, connection: response.headers.connection });
          request.destroy();
        });
        request.on('error', reject);
        request.write(new Uint8Array(1024)); // a gigabyte announced, one kilobyte sent
      },
    );
    expect(status).toBe(413);
    expect(connection).toBe('close');
    expect((await api.getTrack({ track_id: created.track_id })).track.status).toBe('initialized');
  });

  it('seeds the demo collections once: ready tracks whose stored audio is as long as listed', async () => {
    const demo = collectionsDemoCollections();
    const listed = await api.listCollections({ limit: demo.length });
    expect(listed.collections.map((collection) => collection.id)).toEqual(demo.map((item) => item.id));
    for (const collection of demo) {
      const rows = await test.server
        .db('collections_tracks')
        .where({ collection_id: collection.id })
        .orderBy('seq')
        .select('id', 'status', 'duration', 'audio_key');
      expect(rows.map((row) => row.id)).toEqual(collection.tracks.map((track) => track.id));
      for (const [index, row] of rows.entries()) {
        expect(row.status).toBe('ready');
        expect(Number(row.duration)).toBe(collection.tracks[index]?.seconds);
        // The duration is the audio's own, as the processing job reads it.
        const audio = await parseFile(join(test.dataDir, 'blobs', row.audio_key), { duration: true });
        expect(audio.format.duration).toBeCloseTo(Number(row.duration), 6);
      }
    }

    // Another start on the same data adds nothing, and puts back nothing a user changed.
    const count = async (server: TestServer) =>
      (await createCollectionsClient({ baseUrl: server.baseUrl, apiKey: API_KEY }).listCollections()).count;
    const defaults = loadConfig({});
    const first = await startTestServer({ collections: { ...defaults.collections, apiKey: API_KEY } });
    try {
      const files = await filesUnder(join(first.dataDir, 'blobs'));
      expect(files.length).toBeGreaterThan(demo.length);
      expect(await count(first)).toBe(demo.length);
      const firstClient = createCollectionsClient({ baseUrl: first.baseUrl, apiKey: API_KEY, retry: 0 });
      const renamed = demo[0]!.id;
      await firstClient.updateCollection({ collection_id: renamed, body: { title: 'Renamed' } });
      await first.stop(false);
      const again = await startTestServer({
        dataDir: first.dataDir,
        collections: { ...defaults.collections, apiKey: API_KEY },
      });
      try {
        expect(await count(again)).toBe(demo.length);
        expect(await filesUnder(join(again.dataDir, 'blobs'))).toEqual(files);
        const client = createCollectionsClient({ baseUrl: again.baseUrl, apiKey: API_KEY, retry: 0 });
        expect((await client.getCollection({ collection_id: renamed })).collection.title).toBe('Renamed');
      } finally {
        await again.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it('stores API keys only as hashes, and creates the first key once per database', async () => {
    const created = await createApiKey(test.server.db, { title: 'Test key' });
    expect(created.key).toMatch(/^adn_[\w-]{43}$/);
    const stored = await test.server.db('collections_api_keys').select('key_hash');
    expect(stored.map((row) => row.key_hash)).not.toContain(created.key);
    const viaKey = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: created.key, retry: 0 });
    expect((await viaKey.listCollections()).ok).toBe(true);

    expect(await createFirstApiKey(test.server.db, 'configured')).toBeUndefined();
    const first = await createFirstApiKey(test.server.db, undefined);
    expect(first?.key).toMatch(/^adn_/);
    expect(await createFirstApiKey(test.server.db, undefined)).toBeUndefined();
  });
});
