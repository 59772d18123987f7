import { collectionsDemoCollections, wavFile } from '@music-apis/catalog';
import type { PlayVariant } from '@music-apis/sdk/collections';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { client, expectEnvelopeError, flipLastHexDigit, MISSING_ID, UUID } from './collections-support.js';

/** The collections API's playback: play sessions and the signed delivery URLs they hand out. */

/** A ready track of a new collection, from a real WAV (the server transcodes it with ffmpeg). */
async function readyTrack(context: ScenarioContext, seconds = 1.2) {
  const api = client(context);
  const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Playback' } });
  const { track } = await api.uploadTrack({
    collectionId,
    file: new Blob([wavFile({ seconds, frequency: 330 }) as BlobPart], { type: 'audio/wav' }),
    fileName: 'tone.wav',
    waitUntilReady: { intervalMs: 25, timeoutMs: 30_000 },
  });
  return { collectionId, track };
}

/** Fetches a URL and expects the collections envelope with `status` (the delivery's errors). */
async function expectDeliveryError(url: string, status: number, init?: RequestInit) {
  const response = await fetch(url, init);
  expect(response.status, url).toBe(status);
  expect(await response.json()).toEqual({
    ok: false,
    message: expect.any(String),
    api_request_id: expect.stringMatching(UUID),
  });
  return response;
}

/** A signed URL as the API hands them out: `expires`, then `verify` last. */
function expectSigned(variant: PlayVariant, basePath: string, expiresAt: string) {
  const url = new URL(variant.url);
  expect(url.pathname).toBe(`/media/delivery${variant.path}`);
  expect(variant.path.startsWith(`${basePath}_${variant.index}.`)).toBe(true);
  expect([...url.searchParams.keys()].at(-1)).toBe('verify');
  expect(url.searchParams.get('verify')).toMatch(/^[0-9a-f]{64}$/);
  expect(Number(url.searchParams.get('expires')) * 1000).toBe(
    Math.floor(Date.parse(expiresAt) / 1000) * 1000,
  );
}

export const playbackScenarios: Scenario[] = [
  {
    name: 'play session (track): signed hq/lq URLs and 320 levels; got with the key and, per track, without it',
    needsEncoder: true,
    covers: ['createPlaySession', 'getPlaySession', 'getPlayTrack'],
    async run(context) {
      const api = client(context);
      const { collectionId, track } = await readyTrack(context);
      const created = await api.createPlaySession({
        scope: 'track',
        body: { track_id: track.id, variants: ['hq', 'lq'], expires_in: 600 },
      });
      expect(created.play_session_id).toMatch(UUID);
      expect(created.play_session).toMatchObject({
        id: created.play_session_id,
        scope: 'track',
        collection_id: collectionId,
        track_id: track.id,
        variants: ['hq', 'lq'],
        is_downloadable: false,
        expires_at: created.expires_at,
      });
      const lifetime = Date.parse(created.expires_at) - Date.now();
      expect(lifetime).toBeGreaterThan(540_000);
      expect(lifetime).toBeLessThanOrEqual(600_000);
      expect(created.tracks.map((item) => item.id)).toEqual([track.id]);
      const first = created.first_track!;
      expect(first).toMatchObject({ track_id: track.id, track: { id: track.id, status: 'ready' } });
      expect(first.variants.map((variant) => variant.index)).toEqual(['hq', 'lq']);
      for (const variant of first.variants) expectSigned(variant, track.base_path, created.expires_at);
      expect(first.levels?.levels).toHaveLength(320);
      expect(Math.max(...first.levels!.levels)).toBeGreaterThan(0.1);

      // The session with the key; one track of it with nothing but the session id.
      const got = await api.getPlaySession({ play_session_id: created.play_session_id });
      expect(got).toMatchObject({ play_session: created.play_session, tracks: [{ id: track.id }] });
      const keyless = client(context, 'adn_not_a_key_at_all');
      const played = await keyless.getPlayTrack({
        play_session_id: created.play_session_id,
        play_track_id: track.id,
      });
      expect(played).toMatchObject({
        play_session_id: created.play_session_id,
        track_id: track.id,
        cover_image: track.cover_url,
        levels: first.levels,
      });
      expect(played.variants.map((variant) => variant.index)).toEqual(['hq', 'lq']);
      await expectEnvelopeError(
        keyless.getPlayTrack({ play_session_id: MISSING_ID, play_track_id: track.id }),
        404,
      );
      await expectEnvelopeError(
        keyless.getPlayTrack({ play_session_id: created.play_session_id, play_track_id: MISSING_ID }),
        404,
      );
      await expectEnvelopeError(api.getPlaySession({ play_session_id: MISSING_ID }), 404);

      // The SDK's wrapper: the same session, its URLs by variant index.
      const playback = await api.createPlaybackSession({ trackId: track.id, variants: ['hq'] as const });
      expect(playback.firstTrack?.urls.hq).toMatch(/_hq\.[a-z0-9]+\?expires=\d+&verify=[0-9a-f]{64}$/);
      expect((await playback.track(track.id)).levels).toHaveLength(320);
    },
  },
  {
    name: 'delivery: the signed URL serves the file with byte ranges (206 with the right bytes, 416, HEAD); changed or unsigned URLs 403',
    needsEncoder: true,
    covers: ['getDeliveryFile', 'createPlaySession'],
    async run(context) {
      const api = client(context);
      const { track } = await readyTrack(context);
      const created = await api.createPlaySession({ scope: 'track', body: { track_id: track.id } });
      // Without `variants`: every transcode and preview of the organization.
      expect(created.play_session.variants).toEqual(['hq', 'lq', 'preview']);
      const hq = created.first_track!.variants.find((variant) => variant.index === 'hq')!;

      const whole = await fetch(hq.url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe(hq.content_type);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const bytes = new Uint8Array(await whole.arrayBuffer());
      expect(bytes.length).toBe(hq.size);
      expect(whole.headers.get('content-length')).toBe(String(bytes.length));

      const part = await fetch(hq.url, { headers: { range: 'bytes=100-1099' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
      expect(part.headers.get('content-length')).toBe('1000');
      expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 1100));
      const tail = await fetch(hq.url, { headers: { range: 'bytes=-10' } });
      expect(tail.status).toBe(206);
      expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 10));
      const past = await expectDeliveryError(hq.url, 416, { headers: { range: `bytes=${bytes.length}-` } });
      expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      const head = await fetch(hq.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      expect((await head.arrayBuffer()).byteLength).toBe(0);

      // Every changed URL is refused: the signature, the expiry, the file, no signature at all.
      const url = new URL(hq.url);
      const verify = url.searchParams.get('verify')!;
      await expectDeliveryError(hq.url.replace(verify, flipLastHexDigit(verify)), 403);
      const later = String(Number(url.searchParams.get('expires')) + 3600);
      await expectDeliveryError(hq.url.replace(/expires=\d+/, `expires=${later}`), 403);
      await expectDeliveryError(hq.url.replace('_hq.', '_lq.'), 403);
      await expectDeliveryError(`${url.origin}${url.pathname}`, 403);
      await expectDeliveryError(`${url.origin}${url.pathname}?expires=${later}`, 403);
      await expectDeliveryError(`${track.base_url}_hq.mp3?verify=${verify}&expires=${later}`, 403);
    },
  },
  {
    name: 'play session (collection) of the demo data: its ready tracks deliver their WAV; downloads only where allowed; playlist and bad bodies 400, a track not ready 409',
    covers: ['createPlaySession', 'getPlayTrack', 'downloadPlayTrackVariant', 'getDeliveryFile'],
    async run(context) {
      const api = client(context);
      const [demo] = collectionsDemoCollections();
      const created = await api.createPlaySession({
        scope: 'collection',
        body: { collection_id: demo!.id, variants: ['original'], is_downloadable: true },
      });
      expect(created.play_session).toMatchObject({
        scope: 'collection',
        track_id: null,
        is_downloadable: true,
      });
      expect(created.tracks.map((track) => track.id)).toEqual(demo!.tracks.map((track) => track.id));
      const [first, second] = demo!.tracks;
      const original = created.first_track!.variants[0]!;
      expect(original).toMatchObject({ index: 'original', content_type: 'audio/vnd.wave' });
      const wav = await fetch(original.url);
      expect(wav.status).toBe(200);
      const wavBytes = new Uint8Array(await wav.arrayBuffer());
      expect(new TextDecoder().decode(wavBytes.subarray(8, 12))).toBe('WAVE');
      expect(wavBytes.length).toBe(original.size);

      // Another track of the session, then its download URL (an attachment).
      const other = await client(context, 'adn_no_key').getPlayTrack({
        play_session_id: created.play_session_id,
        play_track_id: second!.id,
      });
      expect(other.track.id).toBe(second!.id);
      const { download } = await api.downloadPlayTrackVariant({
        play_session_id: created.play_session_id,
        play_track_id: first!.id,
        variant_index: 'original',
      });
      expect(new URL(download.url).searchParams.get('download')).toBe('1');
      expect(Date.parse(download.expires_at)).toBeLessThanOrEqual(Date.now() + 300_000);
      const attachment = await fetch(download.url);
      expect(attachment.status).toBe(200);
      expect(attachment.headers.get('content-disposition')).toMatch(
        /^attachment; filename=".+_original\.wav"$/,
      );
      expect(new Uint8Array(await attachment.arrayBuffer())).toEqual(wavBytes);
      await expectEnvelopeError(
        api.downloadPlayTrackVariant({
          play_session_id: created.play_session_id,
          play_track_id: first!.id,
          variant_index: 'hq',
        }),
        404,
      );
      const streaming = await api.createPlaySession({
        scope: 'collection',
        body: { collection_id: demo!.id, variants: ['original'] },
      });
      await expectEnvelopeError(
        api.downloadPlayTrackVariant({
          play_session_id: streaming.play_session_id,
          play_track_id: first!.id,
          variant_index: 'original',
        }),
        403,
      );

      // Bad input: a 400 in the envelope, no session made.
      await expectEnvelopeError(
        api.createPlaySession({ scope: 'playlist' as 'collection', body: { collection_id: demo!.id } }),
        400,
      );
      await expectEnvelopeError(api.createPlaySession({ scope: 'collection', body: {} }), 400);
      await expectEnvelopeError(
        api.createPlaySession({ scope: 'collection', body: { collection_id: demo!.id, variants: ['nope'] } }),
        400,
      );
      await expectEnvelopeError(
        api.createPlaySession({ scope: 'collection', body: { collection_id: demo!.id, expires_in: 10 } }),
        400,
      );
      await expectEnvelopeError(
        api.createPlaySession({ scope: 'collection', body: { collection_id: MISSING_ID } }),
        404,
      );
      // A track still waiting for its audio is not playable; its collection's session lists nothing.
      const { collection_id: collectionId } = await api.createCollection({ body: { title: 'Pending' } });
      const pending = await api.createTrack({ body: { collection_id: collectionId, file_name: 'p.wav' } });
      await expectEnvelopeError(
        api.createPlaySession({ scope: 'track', body: { track_id: pending.track_id } }),
        409,
      );
      const empty = await api.createPlaySession({
        scope: 'collection',
        body: { collection_id: collectionId },
      });
      expect(empty).toMatchObject({ tracks: [], first_track: null });
      await expectEnvelopeError(
        api.getPlayTrack({ play_session_id: empty.play_session_id, play_track_id: pending.track_id }),
        404,
      );
    },
  },
  {
    name: 'authz: player keys create play sessions (only their variants, their collection or track), other key types 403, another organization 404 for every id',
    covers: ['createPlaySession', 'getPlaySession', 'createApiKey'],
    async run(context) {
      const ours = client(context);
      const [demoA, demoB] = collectionsDemoCollections();
      const a = demoA!.id;
      const a1 = demoA!.tracks[0]!.id;
      const mint = async (body: Parameters<typeof ours.createApiKey>[0]['body']) =>
        client(context, (await ours.createApiKey({ body })).api_key);

      const player = await mint({
        title: 'p',
        api_key_type_id: 'player',
        collection_id: a,
        variants: ['original'],
      });
      const session = await player.createPlaySession({
        scope: 'collection',
        body: { is_downloadable: true },
      });
      // The key's collection and variants; a client-side key never hands out downloads.
      expect(session.play_session).toMatchObject({
        collection_id: a,
        variants: ['original'],
        is_downloadable: false,
      });
      expect(
        (await player.getPlaySession({ play_session_id: session.play_session_id })).play_session.id,
      ).toBe(session.play_session_id);
      await expectEnvelopeError(
        player.createPlaySession({ scope: 'collection', body: { collection_id: a, variants: ['hq'] } }),
        403,
      );
      await expectEnvelopeError(
        player.createPlaySession({ scope: 'collection', body: { collection_id: demoB!.id } }),
        404,
      );
      await expectEnvelopeError(
        player.createPlaySession({ scope: 'track', body: { track_id: demoB!.tracks[0]!.id } }),
        404,
      );
      const elsewhere = await ours.createPlaySession({
        scope: 'collection',
        body: { collection_id: demoB!.id },
      });
      await expectEnvelopeError(player.getPlaySession({ play_session_id: elsewhere.play_session_id }), 404);

      const trackPlayer = await mint({
        title: 't',
        api_key_type_id: 'player',
        collection_id: a,
        track_id: a1,
      });
      const own = await trackPlayer.createPlaySession({ scope: 'track', body: {} });
      expect(own.tracks.map((track) => track.id)).toEqual([a1]);
      await expectEnvelopeError(
        trackPlayer.createPlaySession({ scope: 'collection', body: { collection_id: a } }),
        404,
      );

      for (const type of ['uploader', 'share'] as const) {
        const key = await mint({ title: type, api_key_type_id: type, variants: ['hq'] });
        await expectEnvelopeError(
          key.createPlaySession({ scope: 'collection', body: { collection_id: a } }),
          403,
        );
        await expectEnvelopeError(key.getPlaySession({ play_session_id: session.play_session_id }), 403);
      }

      // Another organization's key: every id of this one is unknown to it.
      const theirs = client(context, context.otherOrganizationCollectionsApiKey);
      await expectEnvelopeError(
        theirs.createPlaySession({ scope: 'collection', body: { collection_id: a } }),
        404,
      );
      await expectEnvelopeError(theirs.createPlaySession({ scope: 'track', body: { track_id: a1 } }), 404);
      await expectEnvelopeError(theirs.getPlaySession({ play_session_id: session.play_session_id }), 404);
    },
  },
];
