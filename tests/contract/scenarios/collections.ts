import { collectionsDemoCollections, coverJpeg, wavFile } from '@music-apis/catalog';
import { COLLECTIONS_DEFAULT_ORGANIZATION } from '@music-apis/domain';
import {
  type CollectionInput,
  type CollectionsErrorBody,
  isMusicApiError,
  type Progress,
  TrackProcessingError,
} from '@music-apis/sdk/collections';
import jpeg from 'jpeg-js';
import { expect } from 'vitest';
import { defineScenarios } from '../scenario.js';
import { playbackScenarios } from './collections-playback.js';
import {
  CONTRACT_COLLECTIONS_API_KEY,
  client,
  expectEnvelopeError,
  flipLastHexDigit,
  MISSING_ID,
  UUID,
} from './collections-support.js';

export { CONTRACT_COLLECTIONS_API_KEY } from './collections-support.js';
/** The audio size limit the targets are configured with, small so the over-size case is cheap. */
export const CONTRACT_MAX_AUDIO_BYTES = 256 * 1024;

/** A 1×1 PNG. */
const PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
  (char) => char.charCodeAt(0),
);

function jpegImage(): Uint8Array {
  const data = Buffer.alloc(8 * 8 * 4, 0x80);
  return new Uint8Array(jpeg.encode({ data, width: 8, height: 8 }, 80).data);
}

function expectUploadHandle(
  handle: { method: string; upload_url: string; ttl: number; expires_at: string },
  method: 'PUT' | 'POST',
  path: string,
) {
  expect(handle.method).toBe(method);
  const url = new URL(handle.upload_url);
  expect(url.pathname).toBe(path);
  expect(url.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
  const expires = Number(url.searchParams.get('expires'));
  expect(handle.ttl).toBeGreaterThan(0);
  expect(new Date(handle.expires_at).getTime()).toBe(expires * 1000);
  expect(Math.abs(expires - (Date.now() / 1000 + handle.ttl))).toBeLessThan(60);
}

/** The same URL with one query parameter changed. */
function withParam(uploadUrl: string, name: string, value: string): string {
  const url = new URL(uploadUrl);
  url.searchParams.set(name, value);
  return url.toString();
}

export const collectionsScenarios = defineScenarios('collections', 'collections', [
  {
    name: 'demo data: the demo collections come first, with ready tracks (real durations) and JPEG covers',
    covers: ['listCollections', 'listCollectionTracks', 'getCoverImage'],
    async run(context) {
      const api = client(context);
      const demo = collectionsDemoCollections();
      expect(demo.length).toBeGreaterThan(0);
      const listed = await api.listCollections({ limit: demo.length });
      expect(listed.count).toBeGreaterThanOrEqual(demo.length);
      const coverOf = (owner: 'collection' | 'track', id: string) =>
        `${context.baseUrl}/media/covers/${owner}/${id}.jpg`;
      expect(listed.collections).toEqual(
        demo.map((collection) => ({
          id: collection.id,
          title: collection.title,
          creator_id: null,
          organization_index: collection.organizationIndex,
          metadata: collection.metadata,
          theme: [],
          is_cover_overridable: true,
          is_theme_overridable: true,
          player_color: collection.playerColor,
          player_color_light: expect.stringMatching(/^#[0-9A-F]{6}$/),
          player_color_dark: expect.stringMatching(/^#[0-9A-F]{6}$/),
          player_subtitle: collection.playerSubtitle,
          cover_url: coverOf('collection', collection.id),
        })),
      );
      for (const collection of demo) {
        const tracks = await api.listCollectionTracks({ collection_id: collection.id });
        expect(tracks.count).toBe(collection.tracks.length);
        expect(tracks.tracks).toEqual(
          collection.tracks.map((track) => ({
            id: track.id,
            collection_id: collection.id,
            file_name: track.fileName,
            creator_id: null,
            organization_index: null,
            metadata: track.metadata,
            is_cover_overridable: true,
            is_theme_overridable: true,
            player_title: null,
            player_subtitle: null,
            player_color: null,
            player_color_light: null,
            player_color_dark: null,
            title: track.title,
            duration: track.seconds,
            status: 'ready',
            track_status_id: 'ready',
            status_text: null,
            base_path: `/${COLLECTIONS_DEFAULT_ORGANIZATION.id}/${track.id}`,
            base_url: `${context.baseUrl}/media/delivery/${COLLECTIONS_DEFAULT_ORGANIZATION.id}/${track.id}`,
            theme: [],
            cover_url:
              track.coverIndex === null ? coverOf('collection', collection.id) : coverOf('track', track.id),
          })),
        );
        const cover = await api.getCoverImage({ coverUrl: coverOf('collection', collection.id) });
        expect(new Uint8Array(await cover.arrayBuffer())).toEqual(coverJpeg(collection.coverIndex));
        for (const track of collection.tracks) {
          if (track.coverIndex === null) continue;
          const own = await api.getCoverImage({ coverUrl: coverOf('track', track.id) });
          expect(new Uint8Array(await own.arrayBuffer())).toEqual(coverJpeg(track.coverIndex));
        }
      }
    },
  },
  {
    name: 'collections: create, get, list (oldest first, count, paging), PUT update, delete → 404',
    covers: ['createCollection', 'getCollection', 'listCollections', 'updateCollection', 'deleteCollection'],
    async run(context) {
      const api = client(context);
      const before = (await api.listCollections({ limit: 1 })).count;
      const full: CollectionInput = {
        title: 'My Album',
        organization_index: 'album-0042',
        metadata: { artist: 'John Doe', year: 2024 },
        theme: [{ hex: '#1e88e5', area: 0.42, lightness: 0.51, saturation: 0.79 }],
        is_cover_overridable: false,
        player_color: '#1e88e5',
        player_subtitle: 'John Doe',
      };
      const a = await api.createCollection({ body: full });
      expect(a).toMatchObject({ ok: true, api_request_id: expect.stringMatching(UUID) });
      expect(a.collection_id).toMatch(UUID);
      expect(a.collection).toEqual({
        ...full,
        id: a.collection_id,
        creator_id: null,
        theme: [{ hex: '#1E88E5', area: 0.42, lightness: 0.51, saturation: 0.79 }],
        is_theme_overridable: true,
        // Kept in the case it was sent in; the derived colors are uppercase.
        player_color: '#1e88e5',
        player_color_light: '#1878CD',
        player_color_dark: '#1E88E5',
        cover_url: null,
      });
      expectUploadHandle(a.collection_cover_upload, 'POST', `/v1/upload/cover/collection/${a.collection_id}`);

      const b = await api.createCollection({ body: { title: 'Defaults' } });
      expect(b.collection).toEqual({
        id: b.collection_id,
        title: 'Defaults',
        creator_id: null,
        organization_index: null,
        metadata: {},
        theme: [],
        is_cover_overridable: true,
        is_theme_overridable: true,
        player_color: null,
        player_color_light: null,
        player_color_dark: null,
        player_subtitle: null,
        cover_url: null,
      });
      const c = await api.createCollection({ body: { title: 'Third' } });

      const all = await api.listCollections({ limit: 200, offset: before });
      expect(all.count).toBe(before + 3);
      expect(all.collections.map((item) => item.id)).toEqual([
        a.collection_id,
        b.collection_id,
        c.collection_id,
      ]);
      const page = await api.listCollections({ limit: 2, offset: before + 1 });
      expect(page.count).toBe(before + 3);
      expect(page.collections.map((item) => item.id)).toEqual([b.collection_id, c.collection_id]);
      const iterated = [];
      for await (const item of api.iterateCollections({ pageSize: 2 })) iterated.push(item.id);
      expect(iterated.slice(before)).toEqual([a.collection_id, b.collection_id, c.collection_id]);

      expect((await api.getCollection({ collection_id: a.collection_id })).collection).toEqual(a.collection);

      // An update changes only the fields it sends (as the real service's clients expect); colors are
      // derived again, and `null` resets a field.
      const updated = await api.updateCollection({
        collection_id: a.collection_id,
        body: { title: 'My Album (Deluxe)', player_color: '#8E24AA' },
      });
      expect(updated.collection).toEqual({
        ...a.collection,
        title: 'My Album (Deluxe)',
        player_color: '#8E24AA',
        player_color_light: '#8E24AA',
        player_color_dark: '#B53BD5',
      });
      const oneField = await api.updateCollection({
        collection_id: a.collection_id,
        body: { player_subtitle: null },
      });
      expect(oneField.collection).toEqual({ ...updated.collection, player_subtitle: null });
      expect((await api.getCollection({ collection_id: a.collection_id })).collection).toEqual(
        oneField.collection,
      );
      // A fetched collection, read-only fields included, can be edited and PUT back whole.
      const fetched = (await api.getCollection({ collection_id: b.collection_id })).collection;
      const putBack = await api.updateCollection({
        collection_id: b.collection_id,
        body: { ...fetched, title: 'Defaults, renamed' },
      });
      expect(putBack.collection).toEqual({ ...fetched, title: 'Defaults, renamed' });
      expect((await api.getCollection({ collection_id: b.collection_id })).collection.title).toBe(
        'Defaults, renamed',
      );

      const deleted = await api.deleteCollection({ collection_id: c.collection_id });
      expect(deleted).toMatchObject({
        ok: true,
        collection_id: c.collection_id,
        deleted_collection: c.collection,
      });
      await expectEnvelopeError(api.getCollection({ collection_id: c.collection_id }), 404);
      await expectEnvelopeError(api.deleteCollection({ collection_id: c.collection_id }), 404);
      await expectEnvelopeError(
        api.updateCollection({ collection_id: c.collection_id, body: { title: 'x' } }),
        404,
      );
      expect((await api.listCollections({ limit: 1 })).count).toBe(before + 2);
    },
  },
  {
    name: 'tracks: create (initializing, signed upload handles), get, list per collection, PUT update, delete → 404',
    covers: ['createTrack', 'getTrack', 'listCollectionTracks', 'updateTrack', 'deleteTrack'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Tracks' } });
      const created = await api.createTrack({
        body: {
          collection_id: collectionId,
          file_name: 'my-audio-track.mp3',
          metadata: { artist: 'John Doe', album: 'My Album' },
          player_title: 'Track Title',
          player_color: '#e53935',
        },
      });
      expect(created.track).toEqual({
        id: created.track_id,
        collection_id: collectionId,
        file_name: 'my-audio-track.mp3',
        creator_id: null,
        organization_index: null,
        metadata: { artist: 'John Doe', album: 'My Album' },
        is_cover_overridable: true,
        is_theme_overridable: true,
        player_title: 'Track Title',
        player_subtitle: null,
        player_color: '#e53935',
        title: null,
        duration: null,
        status: 'initialized',
        track_status_id: 'initialized',
        status_text: null,
        base_path: expect.stringMatching(new RegExp(`^/[0-9a-f-]{36}/${created.track_id}$`)),
        base_url: `${context.baseUrl}/media/delivery${created.track.base_path}`,
        theme: [],
        player_color_light: '#E32C27',
        player_color_dark: '#E53935',
        cover_url: null,
      });
      expectUploadHandle(created.track_upload, 'PUT', `/v1/upload/track/${created.track_id}`);
      expectUploadHandle(created.track_cover_upload, 'POST', `/v1/upload/cover/track/${created.track_id}`);

      const second = await api.createTrack({ body: { collection_id: collectionId, file_name: 'two.wav' } });
      const third = await api.createTrack({ body: { collection_id: collectionId, file_name: 'three.wav' } });
      const listed = await api.listCollectionTracks({ collection_id: collectionId });
      expect(listed.count).toBe(3);
      expect(listed.tracks.map((track) => track.id)).toEqual([
        created.track_id,
        second.track_id,
        third.track_id,
      ]);
      expect(listed.tracks[0]).toEqual(created.track);
      const paged = await api.listCollectionTracks({ collection_id: collectionId, limit: 1, offset: 1 });
      expect(paged).toMatchObject({ count: 3, tracks: [{ id: second.track_id }] });
      const iterated = [];
      for await (const track of api.iterateCollectionTracks({ collectionId, pageSize: 2 }))
        iterated.push(track.id);
      expect(iterated).toEqual([created.track_id, second.track_id, third.track_id]);

      expect((await api.getTrack({ track_id: created.track_id })).track).toEqual(created.track);

      // An update changes what it sends; collection_id, file_name and read-only fields sent back are ignored.
      const updated = await api.updateTrack({
        track_id: created.track_id,
        body: { ...created.track, title: 'Mood Indigo (Live)', player_color: '#8E24AA' },
      });
      expect(updated.track).toEqual({
        ...created.track,
        title: 'Mood Indigo (Live)',
        player_color: '#8E24AA',
        player_color_light: '#8E24AA',
        player_color_dark: '#B53BD5',
      });
      // A body of one field changes that field only; an empty body changes nothing.
      const oneField = await api.updateTrack({
        track_id: created.track_id,
        body: { player_subtitle: 'Live' },
      });
      expect(oneField.track).toEqual({ ...updated.track, player_subtitle: 'Live' });
      expect((await api.updateTrack({ track_id: created.track_id, body: {} })).track).toEqual(oneField.track);
      // player_color keeps the case it is sent in (the derived colors are uppercase), on update too.
      const lower = await api.updateTrack({ track_id: created.track_id, body: { player_color: '#8e24aa' } });
      expect(lower.track).toEqual({ ...oneField.track, player_color: '#8e24aa' });
      await api.updateTrack({ track_id: created.track_id, body: { player_color: '#8E24AA' } });
      // `null` resets a field.
      const cleared = await api.updateTrack({
        track_id: created.track_id,
        body: { title: null, player_color: null },
      });
      expect(cleared.track).toEqual({
        ...oneField.track,
        title: null,
        player_color: null,
        player_color_light: null,
        player_color_dark: null,
      });

      const deleted = await api.deleteTrack({ track_id: second.track_id });
      expect(deleted).toMatchObject({
        ok: true,
        track_id: second.track_id,
        deleted_track: { id: second.track_id },
      });
      await expectEnvelopeError(api.getTrack({ track_id: second.track_id }), 404);
      await expectEnvelopeError(api.deleteTrack({ track_id: second.track_id }), 404);
      await expectEnvelopeError(api.updateTrack({ track_id: second.track_id, body: {} }), 404);
      expect((await api.listCollectionTracks({ collection_id: collectionId })).count).toBe(2);
      await expectEnvelopeError(api.listCollectionTracks({ collection_id: MISSING_ID }), 404);
    },
  },
  {
    name: 'a real WAV uploaded with uploadTrack becomes ready with its duration',
    needsEncoder: true,
    covers: ['createTrack', 'uploadTrackAudio', 'getTrack', 'listCollectionTracks'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Audio' } });
      const audio = wavFile({ seconds: 1.5, frequency: 440 });
      const progress: Progress[] = [];
      const { track, created } = await api.uploadTrack({
        collectionId,
        file: new Blob([audio as BlobPart], { type: 'audio/wav' }),
        fileName: 'tone.wav',
        fields: { player_title: 'Tone' },
        waitUntilReady: { intervalMs: 25, timeoutMs: 15_000 },
        onUploadProgress: (event) => progress.push(event),
      });
      expect(created.track.status).toBe('initialized');
      expect(track).toMatchObject({
        id: created.track_id,
        file_name: 'tone.wav',
        player_title: 'Tone',
        status: 'ready',
        track_status_id: 'ready',
      });
      expect(track.duration).toBeCloseTo(1.5, 2);
      expect(progress.at(-1)?.transferredBytes).toBe(audio.length);
      const listed = await api.listCollectionTracks({ collection_id: collectionId });
      expect(listed).toMatchObject({ count: 1, tracks: [{ id: track.id, status: 'ready' }] });
      expect(listed.tracks[0]?.duration).toBeCloseTo(1.5, 2);
    },
  },
  {
    name: 'upload URLs work once; tampered ones are 403; a deleted track’s URL is 404',
    needsEncoder: true,
    covers: ['uploadTrackAudio', 'uploadTrackCover', 'uploadCollectionCover'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Single use' } });
      const created = await api.createTrack({ body: { collection_id: collectionId, file_name: 'once.wav' } });
      const url = created.track_upload.upload_url;
      const signature = new URL(url).searchParams.get('signature') as string;
      const expires = new URL(url).searchParams.get('expires') as string;
      const body = wavFile({ seconds: 0.25, frequency: 440 });

      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: withParam(url, 'signature', flipLastHexDigit(signature)), body }),
        403,
      );
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: withParam(url, 'expires', String(Number(expires) + 3600)), body }),
        403,
      );
      const other = await api.createTrack({ body: { collection_id: collectionId, file_name: 'other.wav' } });
      const foreign = new URL(other.track_upload.upload_url);
      foreign.searchParams.set('signature', signature);
      foreign.searchParams.set('expires', expires);
      await expectEnvelopeError(api.uploadTrackAudio({ uploadUrl: foreign.toString(), body }), 403);
      expect((await api.getTrack({ track_id: created.track_id })).track.status).toBe('initialized');

      const uploaded = await api.uploadTrackAudio({ uploadUrl: url, body, contentType: 'audio/wav' });
      expect(uploaded.track).toMatchObject({ id: created.track_id, status: 'processing', duration: null });
      await expectEnvelopeError(api.uploadTrackAudio({ uploadUrl: url, body }), 403);
      const ready = await api.waitForTrack(
        { trackId: created.track_id },
        { intervalMs: 25, timeoutMs: 15_000 },
      );
      expect(ready.duration).toBeCloseTo(0.25, 2);

      const collection = await api.createCollection({ body: { title: 'Covers once' } });
      const coverUrl = collection.collection_cover_upload.upload_url;
      await api.uploadCollectionCover({ uploadUrl: coverUrl, file: PNG, fileName: 'cover.png' });
      await expectEnvelopeError(api.uploadCollectionCover({ uploadUrl: coverUrl, file: PNG }), 403);
      await api.uploadTrackCover({ uploadUrl: created.track_cover_upload.upload_url, file: PNG });
      await expectEnvelopeError(
        api.uploadTrackCover({ uploadUrl: created.track_cover_upload.upload_url, file: PNG }),
        403,
      );

      await api.deleteTrack({ track_id: other.track_id });
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: other.track_upload.upload_url, body }),
        404,
      );
      await expectEnvelopeError(
        api.uploadTrackCover({ uploadUrl: other.track_cover_upload.upload_url, file: PNG }),
        404,
      );
      // A malformed signature or expiry never reaches the signature check.
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: withParam(url, 'signature', 'xyz'), body }),
        400,
      );
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: withParam(url, 'expires', 'soon'), body }),
        400,
      );
    },
  },
  {
    name: 'a track whose upload never went through gets a new upload URL (also after init_error); with its audio in, 409',
    needsEncoder: true,
    covers: ['createTrackUpload', 'uploadTrackAudio', 'getTrack'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Retried' } });
      const created = await api.createTrack({
        body: { collection_id: collectionId, file_name: 'retry.wav' },
      });
      const trackId = created.track_id;
      const wait = { intervalMs: 25, timeoutMs: 15_000 };

      // The first URL was used by an upload that did not give usable audio: the track is init_error.
      await api.uploadTrackAudio({
        uploadUrl: created.track_upload.upload_url,
        body: new TextEncoder().encode('not audio\n'.repeat(100)),
      });
      await expect(api.waitForTrack({ trackId }, wait)).rejects.toBeInstanceOf(TrackProcessingError);
      const used = created.track_upload.upload_url;
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: used, body: wavFile({ seconds: 0.2 }) }),
        403,
      );

      // A new URL for the same track: a fresh handle, not the used one.
      const fresh = await api.createTrackUpload({ track_id: trackId });
      expect(fresh.track_id).toBe(trackId);
      expect(fresh.track).toMatchObject({ id: trackId, status: 'init_error', file_name: 'retry.wav' });
      expectUploadHandle(fresh.track_upload, 'PUT', `/v1/upload/track/${trackId}`);
      expect(fresh.track_upload.upload_url).not.toBe(used);
      await api.uploadTrackAudio({
        uploadUrl: fresh.track_upload.upload_url,
        body: wavFile({ seconds: 0.5 }),
      });
      const ready = await api.waitForTrack({ trackId }, wait);
      expect(ready.duration).toBeCloseTo(0.5, 2);
      // The new URL works once, like every upload URL.
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: fresh.track_upload.upload_url, body: wavFile({ seconds: 0.2 }) }),
        403,
      );

      // Audio in: no new URL (create a new track to replace it).
      const conflict = await expectEnvelopeError(api.createTrackUpload({ track_id: trackId }), 409);
      expect(conflict.message).toContain('ready');

      // A track still initializing (its URL never used, e.g. expired) gets one too; both work until used.
      const pending = await api.createTrack({
        body: { collection_id: collectionId, file_name: 'pending.wav' },
      });
      const again = await api.createTrackUpload({ track_id: pending.track_id });
      expect(again.track.status).toBe('initialized');
      expect(again.track_upload.upload_url).not.toBe(pending.track_upload.upload_url);
      await api.uploadTrackAudio({
        uploadUrl: again.track_upload.upload_url,
        body: wavFile({ seconds: 0.25 }),
      });
      expect((await api.waitForTrack({ trackId: pending.track_id }, wait)).status).toBe('ready');

      await expectEnvelopeError(api.createTrackUpload({ track_id: MISSING_ID }), 404);
      await expectEnvelopeError(api.createTrackUpload({ track_id: 'not-a-uuid' }), 400);
      await expectEnvelopeError(
        client(context, 'adn_wrong_key').createTrackUpload({ track_id: trackId }),
        401,
      );
    },
  },
  {
    name: 'a file that is not audio ends init_error with a reason, without a duration; an empty body is a 400',
    covers: ['uploadTrackAudio', 'getTrack'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Not audio' } });
      const notAudio = new TextEncoder().encode('This is a text file, not audio.\n'.repeat(200));
      const error = await api
        .uploadTrack({
          collectionId,
          file: notAudio,
          fileName: 'notes.mp3',
          waitUntilReady: { intervalMs: 25, timeoutMs: 15_000 },
        })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(TrackProcessingError);
      expect(isMusicApiError(error)).toBe(true);
      const failed = (error as TrackProcessingError).track;
      expect(failed).toMatchObject({
        status: 'init_error',
        track_status_id: 'init_error',
        status_text: 'The uploaded file is not audio that can be decoded',
        duration: null,
      });
      expect((error as Error).message).toContain('not audio that can be decoded');
      expect((await api.getTrack({ track_id: failed.id })).track.status).toBe('init_error');

      const empty = await api.createTrack({ body: { collection_id: collectionId, file_name: 'empty.wav' } });
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: empty.track_upload.upload_url, body: new Uint8Array(0) }),
        400,
      );
      // The refused upload did not use the URL up.
      await api.uploadTrackAudio({
        uploadUrl: empty.track_upload.upload_url,
        body: wavFile({ seconds: 0.1, frequency: 440 }),
      });
    },
  },
  {
    name: 'an audio upload over the size limit is a 413, writes nothing, and leaves the URL usable',
    covers: ['uploadTrackAudio'],
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Too large' } });
      const created = await api.createTrack({
        body: { collection_id: collectionId, file_name: 'large.wav' },
      });
      const tooLarge = new Uint8Array(CONTRACT_MAX_AUDIO_BYTES + 1);
      const body = await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: created.track_upload.upload_url, body: tooLarge }),
        413,
      );
      expect(body.message).toContain(String(CONTRACT_MAX_AUDIO_BYTES));
      // Sent as a stream, without Content-Length: the server stops at the limit.
      const stream = new Blob([tooLarge as BlobPart]).stream();
      await expectEnvelopeError(
        api.uploadTrackAudio({ uploadUrl: created.track_upload.upload_url, body: stream }),
        413,
      );
      expect((await api.getTrack({ track_id: created.track_id })).track.status).toBe('initialized');
      const fits = await api.uploadTrackAudio({
        uploadUrl: created.track_upload.upload_url,
        body: wavFile({ seconds: 0.5, frequency: 440 }),
      });
      expect(fits.track.status).toBe('processing');
    },
  },
  {
    name: 'covers: JPEG/PNG stored and served; tracks show the collection’s cover unless they may override it',
    covers: [
      'createCollection',
      'uploadCollectionCover',
      'createCollectionCover',
      'uploadTrackCover',
      'createTrackCover',
      'getCoverImage',
      'updateCollection',
      'deleteTrack',
      'deleteCollection',
    ],
    async run(context) {
      const api = client(context);
      const png = PNG;
      const jpg = jpegImage();
      const collection = await api.createCollection({ body: { title: 'With covers' } });
      const collectionId = collection.collection_id;
      const withCover = await api.uploadCollectionCover({
        uploadUrl: collection.collection_cover_upload.upload_url,
        file: new Blob([png as BlobPart], { type: 'image/png' }),
        fileName: 'cover.png',
      });
      const collectionCover = withCover.collection.cover_url as string;
      expect(new URL(collectionCover).pathname).toBe(`/media/covers/collection/${collectionId}.png`);
      const served = await api.getCoverImage({ coverUrl: collectionCover });
      expect(served.type).toBe('image/png');
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(png);

      const track = await api.createTrack({ body: { collection_id: collectionId, file_name: 'a.wav' } });
      expect(track.track.cover_url).toBe(collectionCover);
      const ownJpeg = await api.uploadTrackCover({
        uploadUrl: track.track_cover_upload.upload_url,
        file: jpg,
      });
      const trackJpeg = ownJpeg.track.cover_url as string;
      expect(new URL(trackJpeg).pathname).toBe(`/media/covers/track/${track.track_id}.jpg`);
      expect(new Uint8Array(await (await api.getCoverImage({ coverUrl: trackJpeg })).arrayBuffer())).toEqual(
        jpg,
      );

      // A new URL replaces the track's cover; the old image's URL is gone.
      const again = await api.createTrackCover({ track_id: track.track_id });
      expect(again.track.cover_url).toBe(trackJpeg);
      expectUploadHandle(again.track_cover_upload, 'POST', `/v1/upload/cover/track/${track.track_id}`);
      const ownPng = await api.uploadTrackCover({
        uploadUrl: again.track_cover_upload.upload_url,
        file: png,
      });
      expect(new URL(ownPng.track.cover_url as string).pathname).toBe(
        `/media/covers/track/${track.track_id}.png`,
      );
      await expectEnvelopeError(api.getCoverImage({ coverUrl: trackJpeg }), 404);

      // The collection decides: with is_cover_overridable false, every track shows its cover.
      await api.updateCollection({
        collection_id: collectionId,
        body: { title: 'With covers', is_cover_overridable: false },
      });
      expect((await api.getTrack({ track_id: track.track_id })).track.cover_url).toBe(collectionCover);
      await api.updateCollection({ collection_id: collectionId, body: { is_cover_overridable: true } });
      expect((await api.getTrack({ track_id: track.track_id })).track.cover_url).toBe(ownPng.track.cover_url);

      // Not an image: 415, and the URL can still be used.
      const next = await api.createCollectionCover({ collection_id: collectionId });
      expect(next.collection.cover_url).toBe(collectionCover);
      expectUploadHandle(next.collection_cover_upload, 'POST', `/v1/upload/cover/collection/${collectionId}`);
      await expectEnvelopeError(
        api.uploadCollectionCover({
          uploadUrl: next.collection_cover_upload.upload_url,
          file: new Blob(['GIF89a, not really'], { type: 'image/png' }),
        }),
        415,
      );
      const replaced = await api.uploadCollectionCover({
        uploadUrl: next.collection_cover_upload.upload_url,
        file: jpg,
      });
      expect(new URL(replaced.collection.cover_url as string).pathname).toBe(
        `/media/covers/collection/${collectionId}.jpg`,
      );
      await expectEnvelopeError(api.getCoverImage({ coverUrl: collectionCover }), 404);

      // Deleting removes the files: their URLs answer 404.
      const ownCover = ownPng.track.cover_url as string;
      await api.deleteTrack({ track_id: track.track_id });
      await expectEnvelopeError(api.getCoverImage({ coverUrl: ownCover }), 404);
      await api.deleteCollection({ collection_id: collectionId });
      await expectEnvelopeError(
        api.getCoverImage({ coverUrl: replaced.collection.cover_url as string }),
        404,
      );
      await expectEnvelopeError(
        api.getCoverImage({ coverUrl: `${context.baseUrl}/media/covers/collection/not-an-id.png` }),
        400,
      );
    },
  },
  {
    name: 'deleting a collection deletes its tracks; their upload URLs answer 404',
    needsEncoder: true,
    covers: [
      'deleteCollection',
      'getTrack',
      'uploadTrackAudio',
      'uploadCollectionCover',
      'createCollectionCover',
    ],
    async run(context) {
      const api = client(context);
      const collection = await api.createCollection({ body: { title: 'Doomed' } });
      const collectionId = collection.collection_id;
      const ready = await api.uploadTrack({
        collectionId,
        file: wavFile({ seconds: 0.2, frequency: 440 }),
        fileName: 'a.wav',
        waitUntilReady: { intervalMs: 25 },
      });
      const pending = await api.createTrack({ body: { collection_id: collectionId, file_name: 'b.wav' } });
      const deleted = await api.deleteCollection({ collection_id: collectionId });
      expect(deleted.deleted_collection.id).toBe(collectionId);
      await expectEnvelopeError(api.getTrack({ track_id: ready.track.id }), 404);
      await expectEnvelopeError(api.getTrack({ track_id: pending.track_id }), 404);
      await expectEnvelopeError(
        api.uploadTrackAudio({
          uploadUrl: pending.track_upload.upload_url,
          body: wavFile({ seconds: 0.1, frequency: 440 }),
        }),
        404,
      );
      await expectEnvelopeError(
        api.uploadCollectionCover({ uploadUrl: collection.collection_cover_upload.upload_url, file: PNG }),
        404,
      );
      await expectEnvelopeError(api.createCollectionCover({ collection_id: collectionId }), 404);
      await expectEnvelopeError(api.createTrackCover({ track_id: pending.track_id }), 404);
      await expectEnvelopeError(
        api.createTrack({ body: { collection_id: collectionId, file_name: 'late.wav' } }),
        404,
      );
    },
  },
  {
    name: 'a missing or unknown API key is a 401 in the envelope on every keyed operation, and changes nothing',
    covers: [
      'listCollections',
      'createCollection',
      'getCollection',
      'updateCollection',
      'deleteCollection',
      'listCollectionTracks',
      'createCollectionCover',
      'createTrack',
      'getTrack',
      'updateTrack',
      'deleteTrack',
      'createTrackCover',
      'getOrganization',
      'updateOrganization',
      'listCreators',
      'createCreator',
      'getCreator',
      'updateCreator',
      'deleteCreator',
      'createUploadSession',
    ],
    async run(context) {
      const good = client(context);
      const creatorId = (await good.createCreator({ body: { organization_index: 'keyed' } })).creator_id;
      const organizationId = COLLECTIONS_DEFAULT_ORGANIZATION.id;
      const collection = await good.createCollection({ body: { title: 'Keyed' } });
      const collectionId = collection.collection_id;
      const track = await good.createTrack({ body: { collection_id: collectionId, file_name: 'k.wav' } });
      const trackId = track.track_id;
      const before = (await good.listCollections()).count;
      for (const apiKey of ['adn_wrong_key', `${CONTRACT_COLLECTIONS_API_KEY}x`]) {
        const api = client(context, apiKey);
        await expectEnvelopeError(api.listCollections(), 401);
        await expectEnvelopeError(api.createCollection({ body: { title: 'Nope' } }), 401);
        await expectEnvelopeError(api.getCollection({ collection_id: collectionId }), 401);
        await expectEnvelopeError(
          api.updateCollection({ collection_id: collectionId, body: { title: 'Nope' } }),
          401,
        );
        await expectEnvelopeError(api.deleteCollection({ collection_id: collectionId }), 401);
        await expectEnvelopeError(api.listCollectionTracks({ collection_id: collectionId }), 401);
        await expectEnvelopeError(api.createCollectionCover({ collection_id: collectionId }), 401);
        await expectEnvelopeError(
          api.createTrack({ body: { collection_id: collectionId, file_name: 'n.wav' } }),
          401,
        );
        await expectEnvelopeError(api.getTrack({ track_id: trackId }), 401);
        await expectEnvelopeError(api.updateTrack({ track_id: trackId, body: { title: 'Nope' } }), 401);
        await expectEnvelopeError(api.deleteTrack({ track_id: trackId }), 401);
        await expectEnvelopeError(api.createTrackCover({ track_id: trackId }), 401);
        await expectEnvelopeError(api.getOrganization({ organization_id: organizationId }), 401);
        await expectEnvelopeError(
          api.updateOrganization({ organization_id: organizationId, body: { player_subtitle: 'Nope' } }),
          401,
        );
        await expectEnvelopeError(api.listCreators(), 401);
        await expectEnvelopeError(api.createCreator({ body: { organization_index: 'nope' } }), 401);
        await expectEnvelopeError(api.getCreator({ creator_id: creatorId }), 401);
        await expectEnvelopeError(api.updateCreator({ creator_id: creatorId, body: { metadata: {} } }), 401);
        await expectEnvelopeError(api.deleteCreator({ creator_id: creatorId }), 401);
        await expectEnvelopeError(api.createUploadSession({ body: { collection_id: collectionId } }), 401);
      }
      expect((await good.getCreator({ creator_id: creatorId })).creator.organization_index).toBe('keyed');
      for (const authorization of [undefined, 'Basic abc', 'Bearer']) {
        const response = await fetch(`${context.baseUrl}/v1/collection`, {
          headers: authorization ? { authorization } : {},
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({
          ok: false,
          message: expect.any(String),
          api_request_id: expect.stringMatching(UUID),
        });
      }
      expect((await good.listCollections()).count).toBe(before);
      expect((await good.getCollection({ collection_id: collectionId })).collection.title).toBe('Keyed');
      expect((await good.listCollectionTracks({ collection_id: collectionId })).count).toBe(1);
    },
  },
  {
    name: "variants: each organization's configured hq/lq/preview and automatic files, listed, paged and got by id",
    covers: ['listVariants', 'getVariant'],
    async run(context) {
      const api = client(context);
      const listed = await api.listVariants();
      expect(listed.count).toBe(7);
      expect(listed.variants.map((variant) => [variant.index, variant.type, variant.format])).toEqual([
        ['hq', 'transcode', 'mp3'],
        ['lq', 'transcode', 'mp3'],
        ['preview', 'preview', 'mp3'],
        ['levels', 'levels', 'json'],
        ['waveform', 'waveform_image', 'png'],
        ['original', 'original', null],
        ['cover', 'cover', null],
      ]);
      const [hq, lq, preview] = listed.variants;
      expect(hq).toEqual({
        id: expect.stringMatching(UUID),
        index: 'hq',
        name: 'High quality (MP3, 320 kbit/s)',
        type: 'transcode',
        track_id: null,
        format: 'mp3',
        codec: 'mp3',
        bitrate: 320,
        is_stereo: true,
        is_strip_tags: true,
        is_strip_cover: true,
        preview_type: null,
        preview_seconds: null,
        preview_min_percent: null,
        preview_max_percent: null,
        preview_percent: null,
        preview_min_seconds: null,
        preview_max_seconds: null,
        preview_start_percent: null,
      });
      expect(lq).toMatchObject({ codec: 'mp3', bitrate: 128 });
      expect(preview).toMatchObject({
        codec: 'mp3',
        bitrate: 128,
        preview_type: 'seconds',
        preview_seconds: 60,
        preview_min_percent: 0,
        preview_max_percent: 50,
        preview_start_percent: 25,
      });
      const page = await api.listVariants({ limit: 2, offset: 1 });
      expect({ count: page.count, indexes: page.variants.map((variant) => variant.index) }).toEqual({
        count: 7,
        indexes: ['lq', 'preview'],
      });
      const got = await api.getVariant({ variant_id: lq?.id as string });
      expect(got).toEqual({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        variant_id: lq?.id,
        variant: lq,
      });
      // The ids are the organization's: stable, and another organization's are others.
      expect((await api.listVariants()).variants).toEqual(listed.variants);
      const theirs = await client(context, context.otherOrganizationCollectionsApiKey).listVariants();
      expect(theirs.variants.map((variant) => variant.index)).toEqual(listed.variants.map((v) => v.index));
      expect(theirs.variants.map((variant) => variant.id)).not.toContain(hq?.id);

      const missing = await expectEnvelopeError(api.getVariant({ variant_id: MISSING_ID }), 404);
      expect(missing.message).toBe('Variant not found');
      await expectEnvelopeError(api.getVariant({ variant_id: 'hq' }), 400);
      await expectEnvelopeError(api.listVariants({ limit: 0 }), 400);
      await expectEnvelopeError(client(context, 'adn_wrong_key').listVariants(), 401);
      await expectEnvelopeError(client(context, 'adn_wrong_key').getVariant({ variant_id: MISSING_ID }), 401);
    },
  },
  {
    name: 'addTrackVariant: a transcode and a preview for one ready track, made by a job; 409 for a taken index, 422 before the upload',
    covers: ['addTrackVariant', 'getVariant', 'listVariants', 'getTrack'],
    needsEncoder: true,
    async run(context) {
      const api = client(context);
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Variants' } });
      const wait = { intervalMs: 25, timeoutMs: 30_000 };
      const { track } = await api.uploadTrack({
        collectionId,
        file: wavFile({ seconds: 2, sampleRate: 8000, frequency: 440 }),
        fileName: 'tone.wav',
        waitUntilReady: wait,
      });

      const added = await api.addTrackVariant({
        track_id: track.id,
        body: { variant_type_id: 'transcode', index: 'aac64', codec: 'aac', bitrate: 64 },
      });
      expect(added).toEqual({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        track_id: track.id,
        variant_id: expect.stringMatching(UUID),
        job_id: expect.stringMatching(UUID),
        variant: {
          id: added.variant_id,
          index: 'aac64',
          name: 'Transcode (AAC, 64 kbit/s)',
          type: 'transcode',
          track_id: track.id,
          format: 'm4a',
          codec: 'aac',
          bitrate: 64,
          is_stereo: true,
          is_strip_tags: true,
          is_strip_cover: true,
          preview_type: null,
          preview_seconds: null,
          preview_min_percent: null,
          preview_max_percent: null,
          preview_percent: null,
          preview_min_seconds: null,
          preview_max_seconds: null,
          preview_start_percent: null,
        },
      });
      expect((await api.waitForTrack({ trackId: track.id }, wait)).status).toBe('ready');
      // The track's variant is got by id, but is not one of the organization's.
      expect((await api.getVariant({ variant_id: added.variant_id })).variant).toEqual(added.variant);
      const listed = await api.listVariants({ limit: 200 });
      expect(listed.variants.map((variant) => variant.id)).not.toContain(added.variant_id);

      // Defaults: AAC 128; a preview's settings as the document's defaults, except those sent.
      const preview = await api.addTrackVariant({
        track_id: track.id,
        body: {
          variant_type_id: 'preview',
          index: 'short-preview',
          preview_type: 'percent',
          preview_percent: 10,
        },
      });
      expect(preview.variant).toMatchObject({
        type: 'preview',
        codec: 'aac',
        bitrate: 128,
        preview_type: 'percent',
        preview_percent: 10,
        preview_seconds: 60,
        preview_max_seconds: 90,
        preview_start_percent: 25,
      });
      expect((await api.waitForTrack({ trackId: track.id }, wait)).status).toBe('ready');

      // The index is taken by the organization's hq and by the track's own aac64.
      for (const index of ['hq', 'aac64']) {
        const taken = await expectEnvelopeError(
          api.addTrackVariant({ track_id: track.id, body: { variant_type_id: 'transcode', index } }),
          409,
        );
        expect(taken.message).toContain(`"${index}"`);
      }
      // Another track may use the same track-specific index.
      const pending = await api.createTrack({
        body: { collection_id: collectionId, file_name: 'later.wav' },
      });
      const early = await expectEnvelopeError(
        api.addTrackVariant({
          track_id: pending.track_id,
          body: { variant_type_id: 'transcode', index: 'aac64' },
        }),
        422,
      );
      expect(early.message).toContain('no source file');

      const bad = <T>(value: unknown) => value as T;
      for (const body of [
        { variant_type_id: 'transcode', index: 'x' },
        { variant_type_id: 'transcode', index: 'a/b' },
        { variant_type_id: 'transcode', index: 'ok1', codec: 'flac' },
        { variant_type_id: 'transcode', index: 'ok2', bitrate: 8 },
        { variant_type_id: 'transcode', index: 'ok3', bitrate: 321 },
        { variant_type_id: 'waveform_image', index: 'ok4' },
        { variant_type_id: 'preview', index: 'ok5', preview_start_percent: 101 },
        { index: 'ok6' },
      ]) {
        await expectEnvelopeError(api.addTrackVariant({ track_id: track.id, body: bad(body) }), 400);
      }
      await expectEnvelopeError(
        api.addTrackVariant({ track_id: MISSING_ID, body: { variant_type_id: 'transcode', index: 'nope' } }),
        404,
      );
      await expectEnvelopeError(
        client(context, 'adn_wrong_key').addTrackVariant({
          track_id: track.id,
          body: { variant_type_id: 'transcode', index: 'nope' },
        }),
        401,
      );
      expect((await api.getTrack({ track_id: track.id })).track.status).toBe('ready');
    },
  },
  {
    name: 'authz: a key of another organization gets 404 for every id of this one, lists only its own rows, changes nothing',
    covers: [
      'listCollections',
      'createCollection',
      'getCollection',
      'updateCollection',
      'deleteCollection',
      'listCollectionTracks',
      'createCollectionCover',
      'createTrack',
      'getTrack',
      'updateTrack',
      'deleteTrack',
      'createTrackCover',
      'createTrackUpload',
      'getOrganization',
      'updateOrganization',
      'listCreators',
      'createCreator',
      'getCreator',
      'updateCreator',
      'deleteCreator',
      'createUploadSession',
      'createUploadSessionTrack',
      'getVariant',
      'addTrackVariant',
    ],
    async run(context) {
      const ours = client(context);
      const theirs = client(context, context.otherOrganizationCollectionsApiKey);
      const creatorId = (await ours.createCreator({ body: { organization_index: 'ours' } })).creator_id;
      const missingCreator = await expectEnvelopeError(ours.getCreator({ creator_id: MISSING_ID }), 404);
      const ownCreator = await theirs.createCreator({ body: { organization_index: 'theirs' } });
      expect((await theirs.listCreators()).creators.map((creator) => creator.id)).toEqual([
        ownCreator.creator_id,
      ]);
      expect((await ours.listCreators({ limit: 200 })).creators.map((creator) => creator.id)).not.toContain(
        ownCreator.creator_id,
      );
      const collectionId = (await ours.createCollection({ body: { title: 'Ours' } })).collection_id;
      const trackId = (
        await ours.createTrack({ body: { collection_id: collectionId, file_name: 'ours.wav' } })
      ).track_id;
      const demoCollectionId = collectionsDemoCollections()[0]?.id as string;
      const missing = await expectEnvelopeError(ours.getCollection({ collection_id: MISSING_ID }), 404);
      const missingTrack = await expectEnvelopeError(ours.getTrack({ track_id: MISSING_ID }), 404);

      // Their own rows work as usual, and are all their lists show.
      const own = await theirs.createCollection({ body: { title: 'Theirs' } });
      const ownTrack = await theirs.createTrack({
        body: { collection_id: own.collection_id, file_name: 't.wav' },
      });
      const listed = await theirs.listCollections();
      expect({ count: listed.count, ids: listed.collections.map((item) => item.id) }).toEqual({
        count: 1,
        ids: [own.collection_id],
      });
      const ownTracks = await theirs.listCollectionTracks({ collection_id: own.collection_id });
      expect(ownTracks.tracks.map((track) => track.id)).toEqual([ownTrack.track_id]);
      const oursListed = await ours.listCollections({ limit: 200 });
      expect(oursListed.collections.map((item) => item.id)).toContain(collectionId);
      expect(oursListed.collections.map((item) => item.id)).not.toContain(own.collection_id);

      // Every operation on an id of ours answers as for an id that does not exist.
      const expectMissing = async (call: Promise<unknown>, like = missing) =>
        expect((await expectEnvelopeError(call, 404)).message).toBe(like.message);
      for (const id of [collectionId, demoCollectionId]) {
        await expectMissing(theirs.getCollection({ collection_id: id }));
        await expectMissing(theirs.updateCollection({ collection_id: id, body: { title: 'Taken' } }));
        await expectMissing(theirs.deleteCollection({ collection_id: id }));
        await expectMissing(theirs.listCollectionTracks({ collection_id: id }));
        await expectMissing(theirs.createCollectionCover({ collection_id: id }));
        await expectMissing(theirs.createTrack({ body: { collection_id: id, file_name: 'x.wav' } }));
        await expectMissing(theirs.createUploadSession({ body: { collection_id: id } }));
      }
      await expectMissing(
        theirs.createUploadSession({ body: { collection_id: own.collection_id, creator_id: creatorId } }),
        missingCreator,
      );
      // A session made with their key puts tracks in their collection only.
      const theirSession = await theirs.createUploadSession({ body: { collection_id: own.collection_id } });
      const sessionTrack = await theirs.createUploadSessionTrack({
        upload_session_id: theirSession.upload_session_id,
        body: { file_name: 's.wav' },
      });
      await expectMissing(ours.getTrack({ track_id: sessionTrack.track_id }), missingTrack);
      expect((await theirs.getTrack({ track_id: sessionTrack.track_id })).track.collection_id).toBe(
        own.collection_id,
      );
      await expectMissing(theirs.getTrack({ track_id: trackId }), missingTrack);
      await expectMissing(theirs.updateTrack({ track_id: trackId, body: { title: 'Taken' } }), missingTrack);
      await expectMissing(theirs.deleteTrack({ track_id: trackId }), missingTrack);
      await expectMissing(theirs.createTrackCover({ track_id: trackId }), missingTrack);
      await expectMissing(theirs.createTrackUpload({ track_id: trackId }), missingTrack);
      await expectMissing(theirs.getCreator({ creator_id: creatorId }), missingCreator);
      await expectMissing(
        theirs.updateCreator({ creator_id: creatorId, body: { metadata: {} } }),
        missingCreator,
      );
      await expectMissing(theirs.deleteCreator({ creator_id: creatorId }), missingCreator);
      // Another organization's creator cannot be named either.
      await expectMissing(
        theirs.createCollection({ body: { title: 'x', creator_id: creatorId } }),
        missingCreator,
      );
      await expectMissing(
        theirs.updateCollection({ collection_id: own.collection_id, body: { creator_id: creatorId } }),
        missingCreator,
      );
      await expectMissing(
        theirs.updateTrack({ track_id: ownTrack.track_id, body: { creator_id: creatorId } }),
        missingCreator,
      );
      const ourOrganization = COLLECTIONS_DEFAULT_ORGANIZATION.id;
      const missingOrganization = await expectEnvelopeError(
        ours.getOrganization({ organization_id: MISSING_ID }),
        404,
      );
      await expectMissing(theirs.getOrganization({ organization_id: ourOrganization }), missingOrganization);
      await expectMissing(
        theirs.updateOrganization({ organization_id: ourOrganization, body: { player_subtitle: 'Taken' } }),
        missingOrganization,
      );
      await expectMissing(ours.getCreator({ creator_id: ownCreator.creator_id }), missingCreator);
      expect((await ours.getCreator({ creator_id: creatorId })).creator.organization_index).toBe('ours');
      expect(
        (await ours.getOrganization({ organization_id: ourOrganization })).organization.player_subtitle,
      ).not.toBe('Taken');
      await expectMissing(
        theirs.addTrackVariant({
          track_id: trackId,
          body: { variant_type_id: 'transcode', index: 'theirs' },
        }),
        missingTrack,
      );
      const missingVariant = await expectEnvelopeError(ours.getVariant({ variant_id: MISSING_ID }), 404);
      for (const variant of (await ours.listVariants()).variants) {
        await expectMissing(theirs.getVariant({ variant_id: variant.id }), missingVariant);
      }
      // And the other way round.
      await expectMissing(ours.getCollection({ collection_id: own.collection_id }));
      await expectMissing(ours.deleteTrack({ track_id: ownTrack.track_id }), missingTrack);

      expect((await ours.getCollection({ collection_id: collectionId })).collection.title).toBe('Ours');
      const tracks = await ours.listCollectionTracks({ collection_id: collectionId });
      expect(tracks.tracks.map((track) => [track.id, track.title])).toEqual([[trackId, null]]);
      expect((await ours.getCollection({ collection_id: demoCollectionId })).collection_id).toBe(
        demoCollectionId,
      );
      expect((await theirs.getTrack({ track_id: ownTrack.track_id })).track_id).toBe(ownTrack.track_id);
    },
  },
  {
    name: 'createApiKey: an API Access key mints player, uploader and share keys (shown once); bad bodies 400, ids not its own 404, client-side keys 403',
    covers: ['createApiKey'],
    async run(context) {
      const ours = client(context);
      const collectionId = (await ours.createCollection({ body: { title: 'Keys' } })).collection_id;
      const otherCollectionId = (await ours.createCollection({ body: { title: 'Other' } })).collection_id;
      const trackId = (await ours.createTrack({ body: { collection_id: collectionId, file_name: 'k.wav' } }))
        .track_id;
      const created = await ours.createApiKey({
        body: {
          title: 'Album player',
          api_key_type_id: 'player',
          collection_id: collectionId,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      expect(created).toEqual({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        api_key: expect.stringMatching(/^adn_[A-Za-z0-9_-]{20,}$/),
      });
      const uploader = await ours.createApiKey({
        body: { title: 'Uploader', api_key_type_id: 'uploader', collection_id: collectionId },
      });
      expect(uploader.api_key).not.toBe(created.api_key);
      // A share key: exactly one variant; its expires_at is ignored (as in the original).
      const share = await ours.createApiKey({
        body: {
          title: 'Share',
          api_key_type_id: 'share',
          collection_id: collectionId,
          track_id: trackId,
          variants: ['hq'],
          expires_at: new Date(Date.now() + 1000).toISOString(),
        },
      });

      const bad = [
        { title: 'x', api_key_type_id: 'player', track_id: trackId },
        { title: 'x', api_key_type_id: 'share' },
        { title: 'x', api_key_type_id: 'share', variants: ['a', 'b'] },
        { title: 'x', api_key_type_id: 'player', expires_at: '2001-01-01T00:00:00Z' },
        { title: 'x', api_key_type_id: 'player', expires_at: 'tomorrow' },
        { title: 'x', api_key_type_id: 'api' },
        { title: '', api_key_type_id: 'player' },
        { api_key_type_id: 'player' },
        { title: 'x', api_key_type_id: 'player', collection_id: 'not-a-uuid' },
      ];
      for (const body of bad) {
        // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid bodies
        await expectEnvelopeError(ours.createApiKey({ body: body as any }), 400);
      }
      const notFound = [
        { title: 'x', api_key_type_id: 'player' as const, collection_id: MISSING_ID },
        // The track is not the named collection's.
        {
          title: 'x',
          api_key_type_id: 'player' as const,
          collection_id: otherCollectionId,
          track_id: trackId,
        },
        { title: 'x', api_key_type_id: 'player' as const, collection_id: collectionId, track_id: MISSING_ID },
        { title: 'x', api_key_type_id: 'player' as const, creator_id: MISSING_ID },
      ];
      for (const body of notFound) await expectEnvelopeError(ours.createApiKey({ body }), 404);
      // Another organization's API Access key cannot scope a key to our rows.
      const theirs = client(context, context.otherOrganizationCollectionsApiKey);
      await expectEnvelopeError(
        theirs.createApiKey({ body: { title: 'x', api_key_type_id: 'player', collection_id: collectionId } }),
        404,
      );
      // Only an API Access key creates keys.
      for (const apiKey of [created.api_key, uploader.api_key, share.api_key]) {
        const forbidden = await expectEnvelopeError(
          client(context, apiKey).createApiKey({ body: { title: 'x', api_key_type_id: 'player' } }),
          403,
        );
        expect(forbidden.message).toMatch(/API Access key/);
      }
      // A share key lives in share URLs: as a Bearer key it calls nothing (and its ignored expiry
      // does not make it 401).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await expectEnvelopeError(client(context, share.api_key).getTrack({ track_id: trackId }), 403);
      await expectEnvelopeError(client(context, share.api_key).listCollections(), 403);
      expect((await client(context, created.api_key).getTrack({ track_id: trackId })).track_id).toBe(trackId);
    },
  },
  {
    name: "authz: a scoped key reaches only its collection, track or creator (404 elsewhere), only its type's operations (403), and 401 once expired",
    covers: [
      'createApiKey',
      'listCollections',
      'getCollection',
      'listCollectionTracks',
      'getTrack',
      'createTrack',
      'createUploadSession',
      'createTrackCover',
      'createTrackUpload',
      'updateTrack',
      'deleteTrack',
      'updateCollection',
      'deleteCollection',
      'createCollection',
      'getOrganization',
      'listCreators',
    ],
    async run(context) {
      const ours = client(context);
      const mint = async (body: Parameters<typeof ours.createApiKey>[0]['body']) =>
        client(context, (await ours.createApiKey({ body })).api_key);
      const a = (await ours.createCollection({ body: { title: 'A' } })).collection_id;
      const b = (await ours.createCollection({ body: { title: 'B' } })).collection_id;
      const newTrack = async (collection_id: string, creator_id?: string) =>
        (await ours.createTrack({ body: { collection_id, file_name: 't.wav', creator_id } })).track_id;
      const a1 = await newTrack(a);
      const a2 = await newTrack(a);
      const b1 = await newTrack(b);
      const creatorId = (await ours.createCreator({ body: { organization_index: 'scoped' } })).creator_id;
      const c = (await ours.createCollection({ body: { title: 'C', creator_id: creatorId } })).collection_id;
      const c1 = await newTrack(c, creatorId);
      const missingCollection = await expectEnvelopeError(
        ours.getCollection({ collection_id: MISSING_ID }),
        404,
      );
      const missingTrack = await expectEnvelopeError(ours.getTrack({ track_id: MISSING_ID }), 404);
      const expectMissing = async (call: Promise<unknown>, like: CollectionsErrorBody) =>
        expect((await expectEnvelopeError(call, 404)).message).toBe(like.message);
      const ids = (page: { collections?: { id: string }[]; tracks?: { id: string }[] }) =>
        (page.collections ?? page.tracks ?? []).map((item) => item.id);

      // A player key of collection A: reads A and its tracks, nothing else, and writes nothing.
      const player = await mint({ title: 'A player', api_key_type_id: 'player', collection_id: a });
      const listed = await player.listCollections();
      expect({ count: listed.count, ids: ids(listed) }).toEqual({ count: 1, ids: [a] });
      expect((await player.getCollection({ collection_id: a })).collection.title).toBe('A');
      expect(ids(await player.listCollectionTracks({ collection_id: a }))).toEqual([a1, a2]);
      expect((await player.getTrack({ track_id: a1 })).track_id).toBe(a1);
      await expectMissing(player.getCollection({ collection_id: b }), missingCollection);
      await expectMissing(player.listCollectionTracks({ collection_id: b }), missingCollection);
      await expectMissing(player.getTrack({ track_id: b1 }), missingTrack);
      const forbidden = [
        () => player.updateTrack({ track_id: a1, body: { title: 'No' } }),
        () => player.deleteTrack({ track_id: a1 }),
        () => player.createTrack({ body: { collection_id: a, file_name: 'n.wav' } }),
        () => player.createTrackCover({ track_id: a1 }),
        () => player.createUploadSession({ body: {} }),
        () => player.updateCollection({ collection_id: a, body: { title: 'No' } }),
        () => player.deleteCollection({ collection_id: a }),
        () => player.createCollection({ body: { title: 'No' } }),
        () => player.getOrganization({ organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id }),
        () => player.listCreators(),
      ];
      for (const call of forbidden)
        expect((await expectEnvelopeError(call(), 403)).message).toMatch(/player key/);

      // A player key of track A1 sees that track only.
      const trackPlayer = await mint({
        title: 'A1',
        api_key_type_id: 'player',
        collection_id: a,
        track_id: a1,
      });
      expect((await trackPlayer.getTrack({ track_id: a1 })).track_id).toBe(a1);
      await expectMissing(trackPlayer.getTrack({ track_id: a2 }), missingTrack);
      await expectMissing(trackPlayer.getCollection({ collection_id: a }), missingCollection);
      await expectMissing(trackPlayer.listCollectionTracks({ collection_id: a }), missingCollection);
      expect(await trackPlayer.listCollections()).toMatchObject({ count: 0, collections: [] });

      // An uploader key of collection A adds tracks to A only; its sessions default to A.
      const uploader = await mint({ title: 'A uploader', api_key_type_id: 'uploader', collection_id: a });
      const session = await uploader.createUploadSession({ body: {} });
      expect(session.upload_session.collection_id).toBe(a);
      await expectMissing(uploader.createUploadSession({ body: { collection_id: b } }), missingCollection);
      const added = await uploader.createTrack({ body: { collection_id: a, file_name: 'u.wav' } });
      expect(added.track.collection_id).toBe(a);
      await expectMissing(
        uploader.createTrack({ body: { collection_id: b, file_name: 'u.wav' } }),
        missingCollection,
      );
      expect((await uploader.createTrackCover({ track_id: a1 })).track_id).toBe(a1);
      expect((await uploader.createTrackUpload({ track_id: a1 })).track_id).toBe(a1);
      await expectMissing(uploader.createTrackCover({ track_id: b1 }), missingTrack);
      await expectMissing(uploader.createTrackUpload({ track_id: b1 }), missingTrack);
      await expectEnvelopeError(uploader.updateTrack({ track_id: a1, body: { title: 'No' } }), 403);
      await expectEnvelopeError(uploader.deleteTrack({ track_id: a1 }), 403);
      // An unscoped uploader key must still name the collection of its session.
      const anyUploader = await mint({ title: 'Any uploader', api_key_type_id: 'uploader' });
      await expectEnvelopeError(anyUploader.createUploadSession({ body: {} }), 400);

      // A creator's keys see that creator's collections and tracks; what they add is that creator's.
      const creatorPlayer = await mint({ title: 'C', api_key_type_id: 'player', creator_id: creatorId });
      expect(ids(await creatorPlayer.listCollections())).toEqual([c]);
      expect(ids(await creatorPlayer.listCollectionTracks({ collection_id: c }))).toEqual([c1]);
      await expectMissing(creatorPlayer.getTrack({ track_id: a1 }), missingTrack);
      await expectMissing(creatorPlayer.getCollection({ collection_id: a }), missingCollection);
      const creatorUploader = await mint({
        title: 'C up',
        api_key_type_id: 'uploader',
        creator_id: creatorId,
      });
      const theirs = await creatorUploader.createTrack({ body: { collection_id: c, file_name: 'c.wav' } });
      expect(theirs.track.creator_id).toBe(creatorId);
      expect(ids(await creatorPlayer.listCollectionTracks({ collection_id: c }))).toEqual([
        c1,
        theirs.track_id,
      ]);
      await expectMissing(
        creatorUploader.createTrack({ body: { collection_id: a, file_name: 'c.wav' } }),
        missingCollection,
      );

      // A deleted collection takes its keys' reach with it; an expired key answers 401.
      const expiring = await mint({
        title: 'Soon',
        api_key_type_id: 'player',
        collection_id: b,
        expires_at: new Date(Date.now() + 1500).toISOString(),
      });
      expect((await expiring.getTrack({ track_id: b1 })).track_id).toBe(b1);
      await ours.deleteCollection({ collection_id: a });
      await expectMissing(player.getCollection({ collection_id: a }), missingCollection);
      expect(await player.listCollections()).toMatchObject({ count: 0 });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      for (const call of [
        () => expiring.getTrack({ track_id: b1 }),
        () => expiring.listCollections(),
        () => expiring.updateTrack({ track_id: b1, body: {} }),
      ]) {
        expect((await expectEnvelopeError(call(), 401)).message).toMatch(/expired/);
      }
      // The API Access key still sees everything.
      expect((await ours.getTrack({ track_id: b1 })).track_id).toBe(b1);
    },
  },
  {
    name: 'bad input (missing collection_id, bad color, bad paging, bad IDs) is a 400 and writes nothing',
    covers: [
      'createTrack',
      'createCollection',
      'updateCollection',
      'updateTrack',
      'listCollections',
      'getTrack',
    ],
    async run(context) {
      const api = client(context);
      const collection = await api.createCollection({
        body: { title: 'Validation', player_color: '#123456' },
      });
      const collectionId = collection.collection_id;
      const track = await api.createTrack({ body: { collection_id: collectionId, file_name: 'v.wav' } });
      const collections = (await api.listCollections()).count;

      const bad = <T>(value: unknown) => value as T;
      await expectEnvelopeError(api.createTrack({ body: bad({ file_name: 'x.wav' }) }), 400);
      await expectEnvelopeError(api.createTrack({ body: bad({ collection_id: collectionId }) }), 400);
      await expectEnvelopeError(
        api.createTrack({ body: { collection_id: 'not-a-uuid', file_name: 'x.wav' } }),
        400,
      );
      await expectEnvelopeError(
        api.createTrack({ body: { collection_id: collectionId, file_name: 'x.wav', player_color: 'red' } }),
        400,
      );
      await expectEnvelopeError(
        api.createTrack({ body: { collection_id: MISSING_ID, file_name: 'x.wav' } }),
        404,
      );
      for (const color of ['#12345', '#1234567', '123456', '#GGGGGG', 'blue']) {
        await expectEnvelopeError(
          api.createCollection({ body: { title: 'Bad color', player_color: color } }),
          400,
        );
      }
      await expectEnvelopeError(api.createCollection({ body: bad({ player_color: '#123456' }) }), 400);
      await expectEnvelopeError(api.createCollection({ body: { title: '' } }), 400);
      await expectEnvelopeError(
        api.createCollection({ body: { title: 'x', theme: [{ hex: 'nope' }] } }),
        400,
      );
      await expectEnvelopeError(
        api.updateCollection({ collection_id: collectionId, body: { title: 'x', player_color: '#zzzzzz' } }),
        400,
      );
      await expectEnvelopeError(
        api.updateTrack({ track_id: track.track_id, body: { player_color: '#12' } }),
        400,
      );
      await expectEnvelopeError(
        api.updateTrack({ track_id: track.track_id, body: bad({ metadata: 'text' }) }),
        400,
      );
      for (const paging of [{ limit: 0 }, { limit: 201 }, { offset: -1 }, { limit: 1.5 }]) {
        await expectEnvelopeError(api.listCollections(paging), 400);
        await expectEnvelopeError(api.listCollectionTracks({ collection_id: collectionId, ...paging }), 400);
      }
      await expectEnvelopeError(api.getTrack({ track_id: 'not-a-uuid' }), 400);
      await expectEnvelopeError(api.getCollection({ collection_id: '12345' }), 400);
      const raw = await fetch(`${context.baseUrl}/v1/collection`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${CONTRACT_COLLECTIONS_API_KEY}`,
          'content-type': 'application/json',
        },
        body: '{"title": ',
      });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ ok: false });

      expect((await api.listCollections()).count).toBe(collections);
      expect((await api.listCollectionTracks({ collection_id: collectionId })).count).toBe(1);
      expect((await api.getCollection({ collection_id: collectionId })).collection.player_color).toBe(
        '#123456',
      );
      expect((await api.getTrack({ track_id: track.track_id })).track.player_color).toBeNull();
    },
  },
  {
    name: 'organization: get the key’s own, PUT changes only what it names (player_color kept as sent, derived colors), others 404',
    covers: ['getOrganization', 'updateOrganization'],
    async run(context) {
      const api = client(context);
      const id = COLLECTIONS_DEFAULT_ORGANIZATION.id;
      const before = await api.getOrganization({ organization_id: id });
      expect(before).toMatchObject({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        organization_id: id,
      });
      expect(before.organization).toEqual({
        id,
        name: expect.any(String),
        theme: expect.any(Array),
        is_cover_overridable: expect.any(Boolean),
        is_theme_overridable: expect.any(Boolean),
        player_color: before.organization.player_color,
        player_color_light: before.organization.player_color_light,
        player_color_dark: before.organization.player_color_dark,
        player_subtitle: before.organization.player_subtitle,
      });
      try {
        const colored = await api.updateOrganization({
          organization_id: id,
          body: { player_color: '#1e88e5', player_subtitle: 'Acme Records' },
        });
        expect(colored.organization).toEqual({
          ...before.organization,
          player_color: '#1e88e5',
          player_color_light: '#1878CD',
          player_color_dark: '#1E88E5',
          player_subtitle: 'Acme Records',
        });
        const oneField = await api.updateOrganization({
          organization_id: id,
          body: { is_theme_overridable: false },
        });
        expect(oneField.organization).toEqual({ ...colored.organization, is_theme_overridable: false });
        // A fetched organization, read-only fields included, can be PUT back whole.
        const putBack = await api.updateOrganization({ organization_id: id, body: oneField.organization });
        expect(putBack.organization).toEqual(oneField.organization);
        expect((await api.getOrganization({ organization_id: id })).organization).toEqual(
          oneField.organization,
        );
        await expectEnvelopeError(
          api.updateOrganization({ organization_id: id, body: { player_color: 'blue' } }),
          400,
        );
        await expectEnvelopeError(api.getOrganization({ organization_id: 'nope' }), 400);
        await expectEnvelopeError(api.getOrganization({ organization_id: MISSING_ID }), 404);
        await expectEnvelopeError(
          api.updateOrganization({ organization_id: MISSING_ID, body: { player_subtitle: 'x' } }),
          404,
        );
      } finally {
        // Other scenarios share the organization: it goes back as it was.
        await api.updateOrganization({ organization_id: id, body: before.organization });
      }
      expect((await api.getOrganization({ organization_id: id })).organization).toEqual(before.organization);
    },
  },
  {
    name: 'creators: create, get, list (oldest first, count, paging), PUT one field, delete clears creator_id of collections and tracks',
    covers: [
      'createCreator',
      'getCreator',
      'listCreators',
      'updateCreator',
      'deleteCreator',
      'createCollection',
      'updateCollection',
      'createTrack',
      'updateTrack',
    ],
    async run(context) {
      const api = client(context);
      const before = (await api.listCreators({ limit: 1 })).count;
      const a = await api.createCreator({
        body: { organization_index: 'artist-17', metadata: { name: 'John Doe' } },
      });
      expect(a).toMatchObject({ ok: true, api_request_id: expect.stringMatching(UUID) });
      expect(a.creator).toEqual({
        id: a.creator_id,
        organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id,
        folder_id: null,
        organization_index: 'artist-17',
        metadata: { name: 'John Doe' },
        created_at: expect.any(String),
        updated_at: a.creator.created_at,
      });
      const b = await api.createCreator({ body: { organization_index: 'artist-18' } });
      expect(b.creator.metadata).toEqual({});
      expect((await api.getCreator({ creator_id: a.creator_id })).creator).toEqual(a.creator);
      const all = await api.listCreators({ limit: 200, offset: before });
      expect(all.count).toBe(before + 2);
      expect(all.creators.map((creator) => creator.id)).toEqual([a.creator_id, b.creator_id]);
      const page = await api.listCreators({ limit: 1, offset: before + 1 });
      expect(page.creators.map((creator) => creator.id)).toEqual([b.creator_id]);

      const updated = await api.updateCreator({
        creator_id: a.creator_id,
        body: { metadata: { name: 'J. Doe' } },
      });
      expect(updated.creator).toEqual({
        ...a.creator,
        metadata: { name: 'J. Doe' },
        updated_at: expect.any(String),
      });
      expect(Date.parse(updated.creator.updated_at)).toBeGreaterThanOrEqual(Date.parse(a.creator.updated_at));

      // Collections and tracks name a creator of the organization; an unknown one is a 404.
      const collection = await api.createCollection({ body: { title: 'By A', creator_id: a.creator_id } });
      expect(collection.collection.creator_id).toBe(a.creator_id);
      const track = await api.createTrack({
        body: { collection_id: collection.collection_id, file_name: 'a.wav', creator_id: a.creator_id },
      });
      expect(track.track.creator_id).toBe(a.creator_id);
      const moved = await api.updateTrack({ track_id: track.track_id, body: { creator_id: b.creator_id } });
      expect(moved.track).toEqual({ ...track.track, creator_id: b.creator_id });
      const collections = (await api.listCollections({ limit: 1 })).count;
      const missing = await expectEnvelopeError(
        api.createCollection({ body: { title: 'Nobody', creator_id: MISSING_ID } }),
        404,
      );
      expect(missing.message).toBe('Creator not found');
      await expectEnvelopeError(
        api.createTrack({
          body: { collection_id: collection.collection_id, file_name: 'x.wav', creator_id: MISSING_ID },
        }),
        404,
      );
      await expectEnvelopeError(
        api.updateCollection({ collection_id: collection.collection_id, body: { creator_id: MISSING_ID } }),
        404,
      );
      await expectEnvelopeError(
        api.updateTrack({ track_id: track.track_id, body: { creator_id: MISSING_ID } }),
        404,
      );
      expect((await api.listCollections({ limit: 1 })).count).toBe(collections);
      expect((await api.listCollectionTracks({ collection_id: collection.collection_id })).count).toBe(1);

      const deleted = await api.deleteCreator({ creator_id: a.creator_id });
      expect(deleted).toMatchObject({ ok: true, creator_id: a.creator_id, deleted_creator: updated.creator });
      await expectEnvelopeError(api.getCreator({ creator_id: a.creator_id }), 404);
      await expectEnvelopeError(api.updateCreator({ creator_id: a.creator_id, body: { metadata: {} } }), 404);
      await expectEnvelopeError(api.deleteCreator({ creator_id: a.creator_id }), 404);
      expect(
        (await api.getCollection({ collection_id: collection.collection_id })).collection.creator_id,
      ).toBeNull();
      expect((await api.getTrack({ track_id: track.track_id })).track.creator_id).toBe(b.creator_id);
      await api.deleteCreator({ creator_id: b.creator_id });
      expect((await api.getTrack({ track_id: track.track_id })).track.creator_id).toBeNull();
      expect((await api.listCreators()).count).toBe(before);

      const bad = <T>(value: unknown) => value as T;
      await expectEnvelopeError(api.createCreator({ body: bad({ metadata: {} }) }), 400);
      await expectEnvelopeError(api.createCreator({ body: { organization_index: '' } }), 400);
      await expectEnvelopeError(api.getCreator({ creator_id: 'not-a-uuid' }), 400);
      await expectEnvelopeError(api.listCreators({ limit: 0 }), 400);
      expect((await api.listCreators()).count).toBe(before);
    },
  },
  {
    name: 'upload session: create (player colors, expires_at), get without a key, uploadViaSession puts many files through it with progress',
    // uploadViaSession waits until its tracks are ready.
    needsEncoder: true,
    covers: [
      'createUploadSession',
      'getUploadSession',
      'createUploadSessionTrack',
      'uploadTrackAudio',
      'getTrack',
    ],
    async run(context) {
      const api = client(context);
      const creator = await api.createCreator({ body: { organization_index: 'uploader-artist' } });
      const collection = await api.createCollection({ body: { title: 'Session', player_color: '#8e24aa' } });
      const collectionId = collection.collection_id;
      const session = await api.createUploadSession({
        body: {
          collection_id: collectionId,
          creator_id: creator.creator_id,
          organization_index: 'batch-1',
          metadata: { source: 'web', batch: 1 },
          expires_in: 120,
        },
      });
      expect(session).toEqual({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        upload_session_id: expect.stringMatching(UUID),
        upload_session: {
          id: session.upload_session_id,
          collection_id: collectionId,
          creator_id: creator.creator_id,
          organization_index: 'batch-1',
          metadata: { source: 'web', batch: 1 },
          expires_at: session.expires_at,
        },
        player_color: '#8e24aa',
        player_color_light: '#8E24AA',
        player_color_dark: '#B53BD5',
        expires_at: expect.any(String),
      });
      expect(Math.abs(Date.parse(session.expires_at) - (Date.now() + 120_000))).toBeLessThan(60_000);
      const defaults = await api.createUploadSession({ body: { collection_id: collectionId } });
      expect(Math.abs(Date.parse(defaults.expires_at) - (Date.now() + 3_600_000))).toBeLessThan(60_000);
      // The uploader's color falls back to the organization's when the collection has none.
      const plain = await api.createCollection({ body: { title: 'Plain' } });
      const organization = (
        await api.getOrganization({ organization_id: COLLECTIONS_DEFAULT_ORGANIZATION.id })
      ).organization;
      const fallback = await api.createUploadSession({ body: { collection_id: plain.collection_id } });
      expect(fallback.player_color).toBe(organization.player_color);

      // The session id is the credential: no key needed (and a wrong one is ignored).
      const anonymous = client(context, 'adn_not_a_key');
      const fetched = await anonymous.getUploadSession({ upload_session_id: session.upload_session_id });
      expect(fetched).toMatchObject({ ok: true, upload_session_id: session.upload_session_id });
      expect(fetched.upload_session).toEqual(session.upload_session);
      const raw = await fetch(`${context.baseUrl}/v1/upload/${session.upload_session_id}/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file_name: 'raw.wav', metadata: { batch: 2 }, player_title: 'Raw' }),
      });
      expect(raw.status).toBe(200);
      const single = await raw.json();
      expect(single).toEqual({
        ok: true,
        api_request_id: expect.stringMatching(UUID),
        upload_session_id: session.upload_session_id,
        track_id: expect.stringMatching(UUID),
        track: expect.objectContaining({
          collection_id: collectionId,
          creator_id: creator.creator_id,
          file_name: 'raw.wav',
          organization_index: 'batch-1',
          metadata: { source: 'web', batch: 2 },
          player_title: 'Raw',
          status: 'initialized',
          base_path: expect.stringMatching(new RegExp(`^/[0-9a-f-]{36}/${single.track_id}$`)),
          base_url: `${context.baseUrl}/media/delivery${single.track.base_path}`,
        }),
        upload_session: session.upload_session,
        track_upload: expect.any(Object),
        track_cover_upload: expect.any(Object),
      });
      expect(single.track.id).toBe(single.track_id);
      expectUploadHandle(single.track_upload, 'PUT', `/v1/upload/track/${single.track_id}`);
      expectUploadHandle(single.track_cover_upload, 'POST', `/v1/upload/cover/track/${single.track_id}`);

      const audio = [wavFile({ seconds: 0.5, frequency: 440 }), wavFile({ seconds: 1, frequency: 660 })];
      const progress: { index: number; fileName: string; transferredBytes: number }[] = [];
      const uploadedInOrder: number[] = [];
      const results = await api.uploadViaSession({
        uploadSessionId: session.upload_session_id,
        files: [
          { file: new Blob([audio[0] as BlobPart], { type: 'audio/wav' }), fileName: 'one.wav' },
          {
            file: audio[1] as Uint8Array,
            fileName: 'two.wav',
            fields: { organization_index: 'two', player_title: 'Two' },
          },
        ],
        onUploadProgress: ({ index, fileName, transferredBytes }) =>
          progress.push({ index, fileName, transferredBytes }),
        onFileUploaded: (_result, index) => uploadedInOrder.push(index),
        waitUntilReady: { intervalMs: 25, timeoutMs: 15_000 },
      });
      expect(results.map((result) => [result.track.file_name, result.track.status])).toEqual([
        ['one.wav', 'ready'],
        ['two.wav', 'ready'],
      ]);
      expect(results[0]?.track.duration).toBeCloseTo(0.5, 2);
      expect(results[1]?.track).toMatchObject({ organization_index: 'two', player_title: 'Two' });
      expect(results[1]?.created.upload_session_id).toBe(session.upload_session_id);
      expect(uploadedInOrder.sort()).toEqual([0, 1]);
      for (const [index, name] of ['one.wav', 'two.wav'].entries()) {
        const last = progress.filter((event) => event.index === index).at(-1);
        expect(last).toEqual({
          index,
          fileName: name,
          transferredBytes: (audio[index] as Uint8Array).length,
        });
      }
      const tracks = await api.listCollectionTracks({ collection_id: collectionId });
      // The two files went up at once: their tracks come after raw.wav in either order.
      expect(tracks.tracks[0]?.file_name).toBe('raw.wav');
      expect(tracks.tracks.map((track) => track.file_name).sort()).toEqual(['one.wav', 'raw.wav', 'two.wav']);

      // Bad input: 400; an unknown session or collection: 404; nothing written.
      const bad = <T>(value: unknown) => value as T;
      await expectEnvelopeError(api.createUploadSession({ body: {} }), 400);
      for (const expires_in of [59, 86401, 1.5]) {
        await expectEnvelopeError(
          api.createUploadSession({ body: { collection_id: collectionId, expires_in } }),
          400,
        );
      }
      await expectEnvelopeError(api.createUploadSession({ body: { collection_id: MISSING_ID } }), 404);
      await expectEnvelopeError(
        api.createUploadSession({ body: { collection_id: collectionId, creator_id: MISSING_ID } }),
        404,
      );
      await expectEnvelopeError(anonymous.getUploadSession({ upload_session_id: MISSING_ID }), 404);
      await expectEnvelopeError(anonymous.getUploadSession({ upload_session_id: 'nope' }), 400);
      await expectEnvelopeError(
        anonymous.createUploadSessionTrack({ upload_session_id: MISSING_ID, body: { file_name: 'x.wav' } }),
        404,
      );
      await expectEnvelopeError(
        anonymous.createUploadSessionTrack({ upload_session_id: session.upload_session_id, body: bad({}) }),
        400,
      );
      expect((await api.listCollectionTracks({ collection_id: collectionId })).count).toBe(3);
      // A deleted collection takes its sessions with it.
      await api.deleteCollection({ collection_id: plain.collection_id });
      await expectEnvelopeError(
        anonymous.getUploadSession({ upload_session_id: fallback.upload_session_id }),
        404,
      );
      await expectEnvelopeError(
        anonymous.createUploadSessionTrack({
          upload_session_id: fallback.upload_session_id,
          body: { file_name: 'x.wav' },
        }),
        404,
      );
    },
  },
  {
    name: 'unknown paths and wrong methods under /v1/ get the collections envelope, outside the songs namespace',
    covers: [],
    async run({ baseUrl }) {
      const headers = { authorization: `Bearer ${CONTRACT_COLLECTIONS_API_KEY}` };
      const missing = await fetch(`${baseUrl}/v1/collection/${MISSING_ID}/nothing`, { headers });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ ok: false, message: expect.any(String) });
      // Any /v1/ path outside the songs API's namespace is the collections API's, even a first
      // segment no API has (`/v1/nothing`), though songs shares `/v1/`.
      for (const path of [
        '/v1/nothing',
        '/v1/',
        '/v1/a/b/c',
        '/v1/songsx',
        '/v1/upload_session',
        `/v1/upload_session/${MISSING_ID}/nothing`,
        `/v1/upload/${MISSING_ID}/nothing`,
        `/v1/creator/${MISSING_ID}/nothing`,
      ]) {
        const unknown = await fetch(`${baseUrl}${path}`, { headers });
        expect(unknown.status, path).toBe(path === '/v1/upload_session' ? 405 : 404);
        expect(await unknown.json()).toEqual({
          ok: false,
          message: expect.any(String),
          api_request_id: expect.stringMatching(UUID),
        });
      }
      const wrongMethod = await fetch(`${baseUrl}/v1/track`, { method: 'GET', headers });
      expect(wrongMethod.status).toBe(405);
      expect(await wrongMethod.json()).toMatchObject({ ok: false });
      // The songs API's namespace under /v1/ keeps the songs envelope.
      for (const path of ['/v1/songs/a/b/c', '/v1/auth/nothing', '/v1/users/a/b']) {
        const songs = await fetch(`${baseUrl}${path}`);
        expect(songs.status, path).toBe(404);
        expect(await songs.json(), path).toMatchObject({ code: 404, description: 'Not Found' });
      }
    },
  },
  ...playbackScenarios,
]);
