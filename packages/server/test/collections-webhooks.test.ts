import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coverJpeg, wavFile } from '@music-apis/catalog';
import { COLLECTIONS_DEFAULT_ORGANIZATION } from '@music-apis/domain';
import { createCollectionsClient, verifyWebhookSignature } from '@music-apis/sdk/collections';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { createApiKey } from '../src/collections/api-keys.js';
import { createWebhook } from '../src/collections/webhook-store.js';
import { loadConfig } from '../src/core/config.js';
import { PROCESSED_STATUS, startTestServer, type TestServer } from './helpers.js';

const API_KEY = 'adn_webhooks_test_key';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  event: string;
  payload: Record<string, unknown>;
}

/** A webhook receiver on a random port: records every delivery and answers with `status(n)` (n from 1). */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  let status = (_n: number) => 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const payload = JSON.parse(body) as Record<string, unknown>;
      deliveries.push({ headers: request.headers, body, event: String(payload.event), payload });
      response.statusCode = status(deliveries.length);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    deliveries,
    answer(next: (n: number) => number) {
      status = next;
    },
    reset() {
      deliveries.length = 0;
      status = () => 200;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function webhookSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`collections webhooks (${name})`, () => {
    let test: TestServer;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      const defaults = loadConfig({});
      receiver = await startReceiver();
      test = await startTestServer({
        demoData: false,
        databaseUrl: databaseUrl(),
        collections: {
          ...defaults.collections,
          apiKey: API_KEY,
          // Retries at once: the test drives the queue and never waits on a clock.
          webhooks: { timeoutMs: 10_000, maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 1 },
        },
        jobs: { ...defaults.jobs, pollIntervalMs: 20 },
      });
    });
    afterEach(async () => {
      await test.server.db('collections_webhooks').delete();
      receiver.reset();
    });
    afterAll(async () => {
      await test?.stop();
      await receiver?.close();
    });

    const api = () => createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });
    const deliveryRows = () =>
      test.server
        .db('collections_webhook_deliveries')
        .select('id', 'event', 'status', 'attempts', 'last_error');
    /** Until no delivery is pending any more (each one delivered or failed for good). */
    const settled = () =>
      vi.waitFor(
        async () => {
          await test.server.jobs.drain();
          expect((await deliveryRows()).filter((row) => row.status === 'pending')).toEqual([]);
        },
        { timeout: 15_000, interval: 20 },
      );

    it('delivers one signed Track Processing event per processed track, and a Track File event per file', async () => {
      const { secret } = await createWebhook(test.server.db, { url: receiver.url });
      const client = api();
      const { collection_id } = await client.createCollection({ body: { title: 'Hooks' } });
      const good = await client.createTrack({ body: { collection_id, file_name: 'good.wav' } });
      const bad = await client.createTrack({ body: { collection_id, file_name: 'bad.wav' } });
      await client.uploadTrackAudio({
        uploadUrl: good.track_upload.upload_url,
        body: wavFile({ seconds: 0.3 }),
      });
      await client.uploadTrackAudio({
        uploadUrl: bad.track_upload.upload_url,
        body: new TextEncoder().encode('not audio at all'),
      });
      // `ready`, or `incomplete` on a machine without ffmpeg: either is terminal, and announced.
      await vi.waitFor(
        async () =>
          expect((await client.getTrack({ track_id: good.track_id })).track.status).toBe(PROCESSED_STATUS),
        { timeout: 10_000, interval: 20 },
      );
      await settled();
      // A retried processing job, as after a lapsed lease, fires nothing again.
      await test.server.jobs.enqueue('collections.process-track', { trackId: good.track_id });
      await settled();

      const processing = receiver.deliveries.filter((delivery) => delivery.event === 'track.status_changed');
      expect(processing.map((delivery) => delivery.payload.track_id).sort()).toEqual(
        [good.track_id, bad.track_id].sort(),
      );
      for (const delivery of receiver.deliveries) {
        expect(delivery.headers['content-type']).toBe('application/json');
        expect(delivery.headers['x-adn-event']).toBe(delivery.event);
        const verified = await verifyWebhookSignature(delivery.body, delivery.headers, { secret });
        expect(verified.id).toBe(delivery.headers['webhook-id']);
      }
      const ready = processing.find((delivery) => delivery.payload.track_id === good.track_id)!.payload;
      expect(ready).toMatchObject({
        event: 'track.status_changed',
        status: PROCESSED_STATUS,
        previous_status: 'processing',
        organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id,
        collection_id,
        upload_session_id: null,
        track: { id: good.track_id, track_status_id: PROCESSED_STATUS, file_name: 'good.wav' },
      });
      // Every variant file, made or failed (the WAV has no embedded cover: nothing to make of it).
      const { track: shown } = await client.getTrack({ track_id: good.track_id });
      const listed = ready.files as { is_success: boolean; url: string | null; variant: { index: string } }[];
      expect(listed.map((file) => file.variant.index)).toEqual([
        'hq',
        'lq',
        'preview',
        'levels',
        'waveform',
        'original',
      ]);
      const original = listed.find((file) => file.variant.index === 'original')!;
      expect(original.is_success).toBe(true);
      // Jobs link to PUBLIC_URL, which the test server has none of: the path is what is compared.
      expect(new URL(original.url!).pathname).toBe(`${new URL(shown.base_url).pathname}_original.wav`);
      expect(listed.every((file) => file.is_success)).toBe(PROCESSED_STATUS === 'ready');
      expect((ready.track as { duration: number }).duration).toBeCloseTo(0.3, 2);
      const failed = processing.find((delivery) => delivery.payload.track_id === bad.track_id)!.payload;
      expect(failed).toMatchObject({ status: 'init_error', files: [{ is_success: false, url: null }] });

      const files = receiver.deliveries.filter((delivery) => delivery.event.startsWith('track_file.'));
      // One per file: the good track's six variant files, the bad upload (no variant was made of it).
      expect(files).toHaveLength(7);
      const ofGood = files.filter((delivery) => delivery.payload.track_id === good.track_id);
      // Deliveries are jobs of their own: they may arrive in any order.
      expect(ofGood.map((delivery) => (delivery.payload.file as { id: string }).id).sort()).toEqual(
        listed.map((file) => (file as unknown as { id: string }).id).sort(),
      );
      for (const delivery of ofGood) {
        const file = delivery.payload.file as { is_success: boolean; id: string };
        expect(delivery.event).toBe(file.is_success ? 'track_file.created' : 'track_file.failed');
        expect(delivery.payload.file_id).toBe(file.id);
      }
      expect(files.filter((delivery) => delivery.payload.track_id === bad.track_id)).toMatchObject([
        { event: 'track_file.failed', payload: { status: 'failed', file: { variant: null, url: null } } },
      ]);
    });

    it('sends a Track File event for a stored track cover', async () => {
      await createWebhook(test.server.db, { url: receiver.url, events: ['track_file.*'] });
      const client = api();
      const { collection_id } = await client.createCollection({ body: { title: 'Covers' } });
      const track = await client.createTrack({ body: { collection_id, file_name: 'covered.wav' } });
      const cover = coverJpeg(0);
      await client.uploadTrackCover({ uploadUrl: track.track_cover_upload.upload_url, file: cover });
      await settled();
      expect(receiver.deliveries).toHaveLength(1);
      expect(receiver.deliveries[0]!.payload).toMatchObject({
        event: 'track_file.created',
        status: 'success',
        track_id: track.track_id,
        message: null,
        file: {
          is_success: true,
          is_public: true,
          content_type: 'image/jpeg',
          size: cover.length,
          variant: null,
        },
      });
      const { track: shown } = await client.getTrack({ track_id: track.track_id });
      expect((receiver.deliveries[0]!.payload.file as { url: string }).url).toBe(shown.cover_url);
    });

    it('retries a delivery answered with 500 under the same webhook-id, until a 2xx', async () => {
      await createWebhook(test.server.db, { url: receiver.url, events: ['collection.*'] });
      receiver.answer((n) => (n === 1 ? 500 : 204));
      await api().createCollection({ body: { title: 'Retried' } });
      await settled();
      expect(receiver.deliveries).toHaveLength(2);
      const [first, second] = receiver.deliveries as [Delivery, Delivery];
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(second.body).toBe(first.body);
      expect(await deliveryRows()).toEqual([
        {
          id: first.headers['webhook-id'],
          event: 'collection.created',
          status: 'delivered',
          attempts: 2,
          last_error: null,
        },
      ]);
    });

    it('records a delivery as failed once every attempt failed', async () => {
      await createWebhook(test.server.db, { url: receiver.url, events: ['collection.created'] });
      receiver.answer(() => 503);
      await api().createCollection({ body: { title: 'Unlucky' } });
      await settled();
      expect(receiver.deliveries).toHaveLength(3);
      expect(await deliveryRows()).toMatchObject([{ status: 'failed', attempts: 3, last_error: 'HTTP 503' }]);
    });

    it('sends Collection Sync events on create, update and delete', async () => {
      await createWebhook(test.server.db, { url: receiver.url, events: ['collection.*'] });
      const client = api();
      const { collection_id } = await client.createCollection({ body: { title: 'Synced' } });
      await settled();
      await client.updateCollection({ collection_id, body: { title: 'Renamed' } });
      await settled();
      await client.deleteCollection({ collection_id });
      await settled();
      expect(
        receiver.deliveries.map((delivery) => [
          delivery.event,
          delivery.payload.collection_id,
          (delivery.payload.collection as { title: string }).title,
        ]),
      ).toEqual([
        ['collection.created', collection_id, 'Synced'],
        ['collection.updated', collection_id, 'Renamed'],
        ['collection.deleted', collection_id, 'Renamed'],
      ]);
      expect(receiver.deliveries[0]!.payload.organization_id).toBe(COLLECTIONS_DEFAULT_ORGANIZATION.id);
    });

    it("never delivers another organization's events to an organization's endpoint", async () => {
      const other = await startReceiver();
      try {
        await createWebhook(test.server.db, { url: receiver.url });
        await createWebhook(test.server.db, { url: other.url, organization: 'Other label' });
        const otherKey = await createApiKey(test.server.db, { organization: 'Other label' });
        const otherApi = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: otherKey.key, retry: 0 });
        const ours = await api().createCollection({ body: { title: 'Ours' } });
        const theirs = await otherApi.createCollection({ body: { title: 'Theirs' } });
        await settled();
        expect(receiver.deliveries.map((delivery) => delivery.payload.collection_id)).toEqual([
          ours.collection_id,
        ]);
        expect(other.deliveries.map((delivery) => delivery.payload.collection_id)).toEqual([
          theirs.collection_id,
        ]);
        expect(other.deliveries[0]!.payload.organization_id).toBe(otherKey.organization.id);
      } finally {
        await other.close();
      }
    });
  });
}

webhookSuite('SQLite', () => undefined);

const postgres = await createScratchDatabase('webhooks');
afterAll(async () => postgres?.drop());
if (postgres) webhookSuite('PostgreSQL', () => postgres.url);
