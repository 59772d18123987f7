import { demoCatalog, generatedIsrc, SEED_EXAMPLE_TRACK } from '@music-apis/catalog';
import { trackManagerDemoRecords } from '@music-apis/domain';
import { createTrackManagerClient, type TrackManagerErrorBody } from '@music-apis/sdk/track-manager';
import jpeg from 'jpeg-js';
import { expect } from 'vitest';
import { defineScenarios, type ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

const client = ({ baseUrl }: ScenarioContext) => createTrackManagerClient({ baseUrl, retry: 0 });

/** A catalog track no scenario saves elsewhere (each scenario uses its own, so order never matters). */
const catalogIsrc = (index: number) => demoCatalog.trackAt(100 + index).isrc;
const UNKNOWN_ISRC = generatedIsrc(9_000_000);

async function expectTrackManagerError(call: Promise<unknown>, status: number, error: string) {
  const body = await expectApiError<TrackManagerErrorBody>(call, status);
  expect(body).toEqual({ status, error, message: expect.any(String), timestamp: expect.any(String) });
  expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
  return body;
}

function expectJpeg(bytes: Uint8Array) {
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  const image = jpeg.decode(bytes);
  expect(image.width).toBeGreaterThan(0);
}

export const trackManagerScenarios = defineScenarios('trackManager', 'track-manager', [
  {
    name: 'issues a bearer access token that expires',
    covers: ['getToken'],
    async run(context) {
      const token = await client(context).getToken();
      expect(token.token_type).toBe('Bearer');
      expect(token.access_token.length).toBeGreaterThan(10);
      expect(token.expires_in).toBeGreaterThan(0);
    },
  },
  {
    name: "the seed's curl example: create, then metadata and cover return the seed's values",
    covers: ['getToken', 'createTrack', 'getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const api = client(context);
      const seedValues = {
        isrc: 'GBAYE0800657',
        name: 'Ellington: Mood Indigo',
        artistName: 'Barney Bigard',
        albumName: 'Paul Robeson: The Complete EMI Sessions 1928-1939',
        albumId: '4rgmqNe80mdYQz2oSmYy6o',
        isExplicit: false,
        cover_image: 'https://i.scdn.co/image/ab67616d0000b2737182d5a83d527c09166d0fe5',
      };
      const created = await api.createTrack({ isrc: 'GBAYE0800657' });
      expect(created).toEqual({ ...seedValues, playBackSeconds: 201 });
      // In the seed's order, for clients (and people) that read the raw JSON.
      expect(Object.keys(created)).toEqual([
        'isrc',
        'name',
        'artistName',
        'albumName',
        'albumId',
        'isExplicit',
        'playBackSeconds',
        'cover_image',
      ]);
      expect(await api.getTrackMetadata({ isrc: 'GBAYE0800657' })).toEqual({
        ...seedValues,
        playbackSeconds: 201,
      });
      const cover = await api.getTrackCover({ isrc: 'GBAYE0800657' });
      expectJpeg(cover);
      // A second read serves the same bytes (kept, not fetched anew).
      expect(await api.getTrackCover({ isrc: 'GBAYE0800657' })).toEqual(cover);
      const blob = await api.getTrackCoverBlob({ isrc: SEED_EXAMPLE_TRACK.isrc });
      expect(blob.type).toBe('image/jpeg');
    },
  },
  {
    name: 'tracks saved by the demo data read back without a create',
    covers: ['getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const [saved] = trackManagerDemoRecords();
      expect(await client(context).getTrackMetadata({ isrc: saved!.isrc })).toEqual(saved);
      expectJpeg(await client(context).getTrackCover({ isrc: saved!.isrc }));
    },
  },
  {
    name: 'creating a saved ISRC again is a 409, and the saved track is unchanged',
    covers: ['createTrack'],
    async run(context) {
      const api = client(context);
      const isrc = catalogIsrc(1);
      const created = await api.createTrack({ isrc });
      await expectTrackManagerError(api.createTrack({ isrc }), 409, 'Resource already exist');
      await expectTrackManagerError(
        api.createTrack({ isrc: isrc.toLowerCase() }),
        409,
        'Resource already exist',
      );
      const { playBackSeconds, ...rest } = created;
      expect(await api.getTrackMetadata({ isrc })).toEqual({ ...rest, playbackSeconds: playBackSeconds });
    },
  },
  {
    name: 'ISRCs are case-insensitive and stored upper-case',
    covers: ['createTrack', 'getTrackMetadata'],
    async run(context) {
      const api = client(context);
      const isrc = catalogIsrc(2);
      expect((await api.createTrack({ isrc: isrc.toLowerCase() })).isrc).toBe(isrc);
      expect((await api.getTrackMetadata({ isrc: isrc.toLowerCase() })).isrc).toBe(isrc);
    },
  },
  {
    name: 'create without a token, with a malformed header or an unknown token is a 401, and saves nothing',
    covers: ['createTrack'],
    async run(context) {
      const isrc = catalogIsrc(3);
      for (const token of ['', 'Basic abc', 'not-a-real-token']) {
        const api = createTrackManagerClient({ baseUrl: context.baseUrl, retry: 0, token: () => token });
        await expectTrackManagerError(api.createTrack({ isrc }), 401, 'Unauthorized ');
      }
      const raw = await fetch(`${context.baseUrl}/api/track/create?isrc=${isrc}`, { method: 'POST' });
      expect(raw.status).toBe(401);
      await expectTrackManagerError(client(context).getTrackMetadata({ isrc }), 404, 'Resource not found');
    },
  },
  {
    name: 'a missing, empty, malformed or over-long ISRC is a 400',
    covers: ['createTrack', 'getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const api = client(context);
      const bad = [
        '',
        'GBAYE08006',
        'GBAYE08006570',
        '12AYE0800657',
        'GB-YE0800657',
        'x'.repeat(5000),
        "'; drop table--",
      ];
      for (const isrc of bad) {
        await expectTrackManagerError(api.createTrack({ isrc }), 400, 'Validation failed');
      }
      for (const isrc of bad.filter(Boolean)) {
        await expectTrackManagerError(api.getTrackMetadata({ isrc }), 400, 'Validation failed');
        await expectTrackManagerError(api.getTrackCover({ isrc }), 400, 'Validation failed');
      }
      const token = (await api.getToken()).access_token;
      const missing = await fetch(`${context.baseUrl}/api/track/create`, {
        method: 'POST',
        headers: { token: `Bearer ${token}` },
      });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ status: 400, error: 'Validation failed' });
    },
  },
  {
    name: 'an ISRC the catalog does not know is a 404 on create, and unsaved tracks are 404 on read',
    covers: ['createTrack', 'getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const api = client(context);
      await expectTrackManagerError(api.createTrack({ isrc: UNKNOWN_ISRC }), 404, 'Resource not found');
      const unsaved = catalogIsrc(4);
      await expectTrackManagerError(api.getTrackMetadata({ isrc: unsaved }), 404, 'Resource not found');
      await expectTrackManagerError(api.getTrackCover({ isrc: unsaved }), 404, 'Resource not found');
    },
  },
  {
    name: 'unknown paths and wrong methods under /api/track get the error body',
    covers: [],
    async run({ baseUrl }) {
      const missing = await fetch(`${baseUrl}/api/track/metadata/`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ status: 404, error: 'Resource not found' });
      const wrongMethod = await fetch(`${baseUrl}/api/track/metadata/GBAYE0800657`, { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
      expect(await wrongMethod.json()).toMatchObject({ status: 405 });
    },
  },
]);
