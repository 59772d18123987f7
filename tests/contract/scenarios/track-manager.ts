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
      const again = await expectTrackManagerError(api.createTrack({ isrc }), 409, 'Resource already exist');
      // The original's TrackAlreadyExistException text.
      expect(again.message).toBe(`Track with ISRC ${isrc} already exist`);
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
    name: 'a missing, malformed or over-long ISRC is a 400',
    covers: ['createTrack', 'getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const api = client(context);
      const bad = [
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
      for (const isrc of bad) {
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
      const missing = await expectTrackManagerError(
        api.createTrack({ isrc: UNKNOWN_ISRC }),
        404,
        'Resource not found',
      );
      // Byte for byte the original's: its TrackNotFoundException wraps the text it is given.
      expect(missing.message).toBe(`Track with ISRC Track not found for ISRC: ${UNKNOWN_ISRC} not found`);
      const unsaved = catalogIsrc(4);
      // One call at a time: a call started before the previous one is awaited would reject unhandled.
      for (const read of [
        () => api.getTrackMetadata({ isrc: unsaved }),
        () => api.getTrackCover({ isrc: unsaved }),
      ]) {
        const body = await expectTrackManagerError(read(), 404, 'Resource not found');
        expect(body.message).toBe(`Track with ISRC ${unsaved} not found`);
      }
    },
  },
  {
    name: "an empty ISRC on create is the original's 404 'isrc field is mandatory', and saves nothing",
    covers: ['createTrack', 'getAllTracks'],
    async run(context) {
      const api = client(context);
      const before = (await api.getAllTracks({ size: 1 })).totalElements;
      const body = await expectTrackManagerError(api.createTrack({ isrc: '' }), 404, 'Resource not found');
      expect(body.message).toBe('isrc field is mandatory');
      expect((await api.getAllTracks({ size: 1 })).totalElements).toBe(before);
    },
  },
  {
    name: "the original README's steps work as written with USEE10001993",
    covers: ['getToken', 'createTrack', 'getTrackMetadata', 'getTrackCover'],
    async run(context) {
      const api = client(context);
      const created = await api.createTrack({ isrc: 'USEE10001993' });
      expect(created.isrc).toBe('USEE10001993');
      const { playBackSeconds, ...fields } = created;
      expect(await api.getTrackMetadata({ isrc: 'USEE10001993' })).toEqual({
        ...fields,
        playbackSeconds: playBackSeconds,
      });
      expectJpeg(await api.getTrackCover({ isrc: 'USEE10001993' }));
    },
  },
  {
    name: "lists the saved tracks as Spring Data's Page, ordered by ISRC, and the SDK pages through them",
    covers: ['getAllTracks', 'createTrack'],
    async run(context) {
      const api = client(context);
      await api.createTrack({ isrc: catalogIsrc(5) });
      const first = await api.getAllTracks();
      const total = first.totalElements;
      expect(total).toBeGreaterThanOrEqual(trackManagerDemoRecords().length + 1);
      const sort = { empty: true, sorted: false, unsorted: true };
      expect(first).toEqual({
        content: expect.any(Array),
        pageable: { pageNumber: 0, pageSize: 10, sort, offset: 0, paged: true, unpaged: false },
        last: total <= 10,
        totalElements: total,
        totalPages: Math.ceil(total / 10),
        size: 10,
        number: 0,
        sort,
        first: true,
        numberOfElements: 10,
        empty: false,
      });
      expect(Object.keys(first)).toEqual([
        'content',
        'pageable',
        'last',
        'totalElements',
        'totalPages',
        'size',
        'number',
        'sort',
        'first',
        'numberOfElements',
        'empty',
      ]);
      const all = [];
      for await (const track of api.iterateTracks({ pageSize: 7 })) all.push(track);
      expect(all).toHaveLength(total);
      const isrcs = all.map((track) => track.isrc);
      expect(isrcs).toEqual([...isrcs].sort());
      expect(all.slice(0, 10)).toEqual(first.content);
      expect(all).toContainEqual(await api.getTrackMetadata({ isrc: catalogIsrc(5) }));

      const lastPage = await api.getAllTracks({ page: Math.ceil(total / 7) - 1, size: 7 });
      expect(lastPage).toMatchObject({
        last: true,
        first: false,
        numberOfElements: total - 7 * lastPage.number,
      });
      const beyond = await api.getAllTracks({ page: 999_999, size: 7 });
      expect(beyond).toMatchObject({
        content: [],
        empty: true,
        last: true,
        numberOfElements: 0,
        totalElements: total,
      });
    },
  },
  {
    name: 'bad paging is answered as the original: a negative page or size under 1 is 404, a non-number 400',
    covers: ['getAllTracks'],
    async run(context) {
      const api = client(context);
      const negative = await expectTrackManagerError(
        api.getAllTracks({ page: -1 }),
        404,
        'Resource not found',
      );
      expect(negative.message).toBe('Page index must not be less than zero');
      const empty = await expectTrackManagerError(api.getAllTracks({ size: 0 }), 404, 'Resource not found');
      expect(empty.message).toBe('Page size must not be less than one');
      await expectTrackManagerError(api.getAllTracks({ size: 2001 }), 400, 'Validation failed');
      const text = await fetch(`${context.baseUrl}/api/track/all?page=first`);
      expect(text.status).toBe(400);
      expect(await text.json()).toMatchObject({ status: 400 });
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
