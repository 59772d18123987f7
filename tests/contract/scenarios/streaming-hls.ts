import { randomUUID } from 'node:crypto';
import { demoCatalog } from '@music-apis/catalog';
import { signedHlsSegmentUri, streamIdOf } from '@music-apis/domain';
import { STREAMING_MOCK_CLIENT, STREAMING_MOCK_HLS_URL_SECRET } from '@music-apis/mock';
import {
  createStreamingClient,
  manifestUrlOf,
  resolveStreamUrl,
  type StreamingErrorBody,
} from '@music-apis/sdk/streaming';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The streaming API's HLS streams (`getHlsManifest`, `getHlsSegment`) on every target: a catalog
 * track's manifest lists segments that are real audio, under signed URIs that stop working when
 * changed or expired. The servers sign with the mock's secret (`STREAMING_HLS_URL_SECRET` in
 * targets.ts), so a scenario can make an expired URI itself.
 */

/** The shortest demo track: the server cuts its segments at the first request, in a few seconds. */
const track = [...demoCatalog.tracks()].sort((a, b) => a.durationMs - b.durationMs)[0]!;
const streamId = streamIdOf(track);

async function listener(context: ScenarioContext) {
  const tenant = createStreamingClient({
    baseUrl: context.baseUrl,
    retry: 0,
    auth: {
      tenant: { clientId: STREAMING_MOCK_CLIENT.clientId, clientSecret: STREAMING_MOCK_CLIENT.clientSecret },
    },
  });
  const user = await tenant.createUser({
    body: {
      first_name: 'Hal',
      last_name: 'Ess',
      email: `hls-${randomUUID().slice(0, 8)}@example.com`,
      date_of_birth: '1990-01-15',
    },
  });
  const deviceId = randomUUID();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return {
    tenant,
    deviceId,
    token,
    api: createStreamingClient({ baseUrl: context.baseUrl, retry: 0, auth: { user: token }, deviceId }),
  };
}

/** The `#EXTINF` durations and URIs of a media playlist, and its tags. */
function parseManifest(text: string) {
  const lines = text.split('\n').filter((line) => line !== '');
  const segments: { duration: number; uri: string }[] = [];
  for (const [index, line] of lines.entries()) {
    const extinf = /^#EXTINF:([0-9.]+),/.exec(line);
    if (extinf) segments.push({ duration: Number(extinf[1]), uri: lines[index + 1]! });
  }
  const target = Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(text)?.[1]);
  return { lines, segments, target };
}

async function expectForbidden(url: string, message: string) {
  const response = await fetch(url);
  expect(response.status, url).toBe(403);
  expect(await response.json()).toEqual({ message });
}

export const streamingHlsScenarios: Scenario[] = [
  {
    name: 'HLS manifest: a user token is required; an unknown or malformed stream id is 404',
    covers: ['getHlsManifest'],
    async run(context) {
      const { tenant, api, token } = await listener(context);
      const anonymous = createStreamingClient({ baseUrl: context.baseUrl, retry: 0 });
      const missing = await expectApiError<StreamingErrorBody>(
        anonymous.getHlsManifest({ stream_id: streamId }),
        401,
      );
      expect(missing).toEqual({ message: 'Unauthenticated.', code: 'UNAUTHENTICATED' });
      // A tenant token is not a listener's.
      const tenantToken = await tenant.tenantTokenProvider!.getToken();
      const wrongKind = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { user: tenantToken },
      });
      const refused = await expectApiError<StreamingErrorBody>(
        wrongKind.getHlsManifest({ stream_id: streamId }),
        401,
      );
      expect(refused.code).toBe('INVALID_AUTH_TOKEN');
      // The user's token from another device is refused too.
      const otherDevice = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { user: token },
        deviceId: randomUUID(),
      });
      expect(
        (await expectApiError<StreamingErrorBody>(otherDevice.getHlsManifest({ stream_id: streamId }), 401))
          .code,
      ).toBe('INVALID_AUTH_TOKEN');
      const unknown = await expectApiError<StreamingErrorBody>(
        api.getHlsManifest({ stream_id: randomUUID() }),
        404,
      );
      expect(unknown).toEqual({ message: 'Not found.' });
      await expectApiError(api.getHlsManifest({ stream_id: 'not-a-stream' }), 404);
    },
  },
  {
    name: 'HLS manifest of a catalog track: real segments adding up to its duration, signed URIs (403 when changed or expired)',
    covers: ['getHlsManifest', 'getHlsSegment'],
    needsEncoder: true,
    async run(context) {
      const { api } = await listener(context);
      // The SDK's helper: the manifest URL of a track (by its stream_id) and the headers to send.
      const stream = await resolveStreamUrl(api, { stream_id: streamId });
      expect(stream.url).toBe(`${context.baseUrl}/api/v1/streams/${streamId}/manifest.m3u8`);
      expect(manifestUrlOf(api, streamId)).toBe(stream.url);
      const response = await fetch(stream.url, { headers: stream.headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.apple\.mpegurl/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();

      const { lines, segments, target } = parseManifest(text);
      expect(lines[0]).toBe('#EXTM3U');
      expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      const seconds = track.durationMs / 1000;
      expect(segments.length).toBeGreaterThanOrEqual(Math.ceil(seconds / 10));
      const total = segments.reduce((sum, segment) => sum + segment.duration, 0);
      expect(Math.abs(total - seconds), `EXTINF sum ${total} vs ${seconds}`).toBeLessThan(0.2);
      for (const segment of segments) {
        expect(segment.duration).toBeGreaterThan(0);
        expect(Math.round(segment.duration)).toBeLessThanOrEqual(target);
        expect(segment.uri).toMatch(/^segments\/\d+\.aac\?expires=\d+&verify=[0-9a-f]{64}$/);
      }
      // The SDK method reads the same manifest (its signatures' expiry may have moved a second).
      const again = parseManifest(await api.getHlsManifest({ stream_id: streamId.toUpperCase() }));
      expect(again.segments.map((segment) => segment.duration)).toEqual(
        segments.map((segment) => segment.duration),
      );

      // A segment is packed audio: an ID3 timestamp tag, then ADTS AAC frames.
      const firstUrl = new URL(segments[0]!.uri, stream.url).href;
      const first = await fetch(firstUrl);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('audio/aac');
      const bytes = new Uint8Array(await first.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(1000);
      expect(new TextDecoder().decode(bytes.subarray(0, 3))).toBe('ID3');
      const audioStart = 10 + ((bytes[6]! << 21) | (bytes[7]! << 14) | (bytes[8]! << 7) | bytes[9]!);
      expect(bytes[audioStart]).toBe(0xff);
      expect(bytes[audioStart + 1]! & 0xf0).toBe(0xf0);
      const lastUrl = new URL(segments.at(-1)!.uri, stream.url).href;
      const last = await fetch(lastUrl);
      expect(last.status).toBe(200);
      expect((await last.arrayBuffer()).byteLength).toBeGreaterThan(0);

      // Changed: the signature, the segment, the stream, the expiry; unsigned.
      const invalid = 'This segment URL is invalid.';
      await expectForbidden(
        firstUrl.replace(/verify=(.)/, (_, c) => `verify=${c === 'a' ? 'b' : 'a'}`),
        invalid,
      );
      await expectForbidden(firstUrl.replace('/segments/0.aac', '/segments/1.aac'), invalid);
      await expectForbidden(firstUrl.replace(streamId, streamIdOf({ isrc: 'GBAYE0800657' })), invalid);
      await expectForbidden(
        firstUrl.replace(/expires=(\d+)/, (_, e) => `expires=${Number(e) + 1}`),
        invalid,
      );
      await expectForbidden(firstUrl.replace(/\?.*$/, ''), invalid);
      // Expired: signed right, but its time has passed.
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = new URL(
        await signedHlsSegmentUri(streamId, 0, STREAMING_MOCK_HLS_URL_SECRET, past),
        stream.url,
      ).href;
      await expectForbidden(expired, 'This segment URL has expired.');
      // Signed, but past the stream's last segment: there is none.
      const future = Math.floor(Date.now() / 1000) + 600;
      const beyond = await fetch(
        new URL(
          await signedHlsSegmentUri(streamId, segments.length, STREAMING_MOCK_HLS_URL_SECRET, future),
          stream.url,
        ),
      );
      expect(beyond.status).toBe(404);
      expect(await beyond.json()).toEqual({ message: 'Not found.' });
    },
  },
];
