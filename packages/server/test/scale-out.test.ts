import { demoCatalog, wavFile } from '@music-apis/catalog';
import { streamIdOf } from '@music-apis/domain';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { createStreamingClient } from '@music-apis/sdk/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { startTestS3Server } from '../../../tests/contract/s3.js';
import { loadConfig } from '../src/core/config.js';
import { createStreamingClient as createOAuthClient } from '../src/streaming/clients.js';
import { FFMPEG_INSTALLED, PROCESSED_STATUS, startTestServer, type TestServer } from './helpers.js';

// Two instances on one PostgreSQL and one bucket, each with a DATA_DIR of its own (as on two
// machines): whichever instance a request or a job lands on, it finds every file.

const API_KEY = 'adn_scale_out_test_key';
const TRACKS = 40;
const PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
  (char) => char.charCodeAt(0),
);

const postgres = await createScratchDatabase('scaleout');
let s3: Awaited<ReturnType<typeof startTestS3Server>> | undefined;
const instances: TestServer[] = [];
beforeAll(async () => {
  if (!postgres) return;
  s3 = await startTestS3Server();
  const config = loadConfig({ ...s3.env, COLLECTIONS_API_KEY: API_KEY, JOB_POLL_INTERVAL_MS: '20' });
  // One after the other, as a rolling start does: the first migrates and seeds, the second finds it done.
  for (let n = 0; n < 2; n++) {
    instances.push(
      await startTestServer({
        databaseUrl: postgres.url,
        s3: config.s3,
        collections: config.collections,
        jobs: config.jobs,
      }),
    );
  }
}, 60_000);
afterAll(async () => {
  for (const instance of instances) await instance.stop();
  await s3?.stop();
  await postgres?.drop();
});

/** The same URL on the other instance, as a load balancer might send it. */
const on = (instance: TestServer, url: string) => {
  const moved = new URL(url);
  const base = new URL(instance.baseUrl);
  moved.host = base.host;
  return moved.toString();
};

describe.skipIf(!postgres)('two instances (PostgreSQL + S3)', () => {
  it('process every track uploaded through either, and serve every cover uploaded through one', async () => {
    const clients = instances.map((instance) =>
      createCollectionsClient({ baseUrl: instance.baseUrl, apiKey: API_KEY, retry: 0 }),
    );
    const [a, b] = clients as [ReturnType<typeof createCollectionsClient>, (typeof clients)[0]];
    const { collection_id } = await a.createCollection({ body: { title: 'Scaled out' } });

    // Track n is created through one instance and its audio sent to the other; the processing job
    // then runs on whichever instance claims it first.
    const trackIds: string[] = [];
    for (let n = 0; n < TRACKS; n++) {
      const creator = clients[n % 2]!;
      const receiver = instances[(n + 1) % 2]!;
      const created = await creator.createTrack({ body: { collection_id, file_name: `track-${n}.wav` } });
      await creator.uploadTrackAudio({
        uploadUrl: on(receiver, created.track_upload.upload_url),
        body: wavFile({ seconds: 0.05 + n / 1000, sampleRate: 8000 }),
      });
      trackIds.push(created.track_id);
    }
    const statuses = async () =>
      (await b.listCollectionTracks({ collection_id, limit: TRACKS })).tracks.map((track) => track.status);
    await expect
      .poll(async () => (await statuses()).filter((status) => status === 'processing').length, {
        timeout: 75_000,
        interval: 50,
      })
      .toBe(0);
    expect(await statuses()).toEqual(Array(TRACKS).fill(PROCESSED_STATUS));
    const track = await a.getTrack({ track_id: trackIds[TRACKS - 1]! });
    expect(track.track.duration).toBeCloseTo(0.05 + (TRACKS - 1) / 1000, 3);

    // Covers: uploaded through one instance, served by both.
    const coverUrls: string[] = [];
    for (const [n, trackId] of trackIds.slice(0, 4).entries()) {
      const uploader = clients[n % 2]!;
      const { track_cover_upload } = await uploader.createTrackCover({ track_id: trackId });
      const uploaded = await uploader.uploadTrackCover({
        uploadUrl: track_cover_upload.upload_url,
        file: PNG,
      });
      coverUrls.push(uploaded.track.cover_url!);
    }
    const { collection_cover_upload } = await b.createCollectionCover({ collection_id });
    const collection = await b.uploadCollectionCover({
      uploadUrl: collection_cover_upload.upload_url,
      file: PNG,
    });
    coverUrls.push(collection.collection.cover_url!);
    for (const url of coverUrls) {
      for (const instance of instances) {
        const response = await fetch(on(instance, url));
        expect(response.status, `${url} via ${instance.baseUrl}`).toBe(200);
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(PNG);
      }
    }

    // Play sessions: made through one instance, played and delivered (a range) through the other,
    // which knows the session and the URL signing key from the database and the file from the bucket.
    const session = await a.createPlaySession({
      scope: 'collection',
      body: { collection_id, variants: ['original'] },
    });
    const played = await b.getPlayTrack({
      play_session_id: session.play_session_id,
      play_track_id: trackIds[1]!,
    });
    for (const url of [session.first_track!.variants[0]!.url, played.variants[0]!.url]) {
      for (const instance of instances) {
        const response = await fetch(on(instance, url), { headers: { range: 'bytes=0-3' } });
        expect(response.status, `${url} via ${instance.baseUrl}`).toBe(206);
        expect(new TextDecoder().decode(await response.arrayBuffer())).toBe('RIFF');
      }
    }
    // 40 tracks of 7 files each, made by ffmpeg on whatever the machine shares its cores with.
  }, 90_000);

  it.skipIf(!FFMPEG_INSTALLED)(
    'cut an HLS stream asked of both at once, and serve each other’s signed segments from the bucket',
    async () => {
      const client = await createOAuthClient(instances[0]!.server.db, { tenant: 'acme' });
      const tenant = createStreamingClient({
        baseUrl: instances[0]!.baseUrl,
        retry: 0,
        auth: { tenant: { clientId: client.clientId, clientSecret: client.clientSecret } },
      });
      const user = await tenant.createUser({
        body: { first_name: 'Hal', last_name: 'Ess', email: 'hls@example.com', date_of_birth: '1990-01-15' },
      });
      const { token } = await tenant.mintUserDelegationToken({
        user_id: user.id,
        body: { deviceId: '8f14e45f-ceea-4672-a9d5-1e4c2f3b6a71' },
      });
      const track = [...demoCatalog.tracks()].sort((x, y) => x.durationMs - y.durationMs)[0]!;
      const manifests = await Promise.all(
        instances.map((instance) =>
          createStreamingClient({
            baseUrl: instance.baseUrl,
            retry: 0,
            auth: { user: token },
          }).getHlsManifest({
            stream_id: streamIdOf(track),
          }),
        ),
      );
      for (const [n, manifest] of manifests.entries()) {
        const manifestUrl = `${instances[n]!.baseUrl}/api/v1/streams/${streamIdOf(track)}/manifest.m3u8`;
        const uris = manifest.split('\n').filter((line) => line.startsWith('segments/'));
        expect(uris.length).toBeGreaterThan(10);
        for (const uri of [uris[0]!, uris.at(-1)!]) {
          const other = instances[(n + 1) % 2]!;
          const response = await fetch(on(other, new URL(uri, manifestUrl).href));
          expect(response.status, `${uri} via ${other.baseUrl}`).toBe(200);
          expect(response.headers.get('content-type')).toBe('audio/aac');
        }
      }
    },
    60_000,
  );
});
