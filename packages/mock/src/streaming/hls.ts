import type { CatalogTrack } from '@music-apis/catalog';
import {
  HLS_MANIFEST_CONTENT_TYPE,
  HLS_SEGMENT_CONTENT_TYPE,
  HLS_SEGMENT_URL_TTL_SECONDS,
  hlsManifest,
  hlsSegmentIndex,
  hlsSegmentPath,
  packedAudioTimestampTag,
  signedHlsSegmentUri,
  streamingNotFound,
  trackOfStreamId,
  verifyHlsSegmentUrl,
} from '@music-apis/domain';
import type { operations, streamingSpec } from '@music-apis/spec/streaming';
import type { MockContext, MockHandlers } from '../core/api.js';
import type { StreamingPrincipals } from './index.js';

/**
 * HLS streams in memory, with the server's rules (`@music-apis/domain`): the same manifest, the
 * same signed segment URIs, 403 and 404. A browser has no ffmpeg, so the mock's segments repeat one
 * AAC frame of a steady tone (cut once from ffmpeg's AAC encoder: 16 kHz mono, 1024 samples, a
 * 437.5 Hz sine whose period divides the frame, so frames join without a click), behind the ID3
 * timestamp the server's segments carry too: real packed audio that hls.js, Safari and ffmpeg
 * decode, a few kilobytes a segment. Every track plays the same tone, for its own duration.
 */

/** The key of the mock's segment signatures (a test may sign its own URLs with `signedHlsSegmentUri`). */
export const STREAMING_MOCK_HLS_URL_SECRET = 'mock-streaming-hls-urls';

/** Who is playing what: what `onPlay` hears of each manifest served. */
export interface StreamingMockPlay {
  tenantId: string;
  userId: string;
  streamId: string;
  track: CatalogTrack;
}

const TONE_FRAME = Uint8Array.from(
  atob(
    '//FgQBjf/ADuNRi2VCid2aGQ6GSCFOvHWf/47//7Rl5qk4rmr3vykkrNPbNqOw7OkjO2GMnuhnR0PzvURz99JADMiZvXgH7Xi6eWpZGKC3noCJunAkJyuLK3fbmJZiTXr4xJCQro2gVIABcAWBXRIFAOnADdIL9fAFetmB04ArokDcBf9+AK/uzA3AAF/boAV81ogbwFwCudiBugFfIcEF/I8ICoA3yC/E8KQv03rpAAvxPXSF+i9dIN8gXIK8V1sAKQJRBw',
  ),
  (char) => char.charCodeAt(0),
);
/** One frame lasts 1024 samples at 16 kHz. */
const FRAME_SECONDS = 1024 / 16_000;
/** 94 frames: 6.016 s, as ffmpeg's segment muxer cuts the server's 6 s segments of the same audio. */
const FRAMES_PER_SEGMENT = 94;

/** A track's segments as frame counts: whole frames covering its duration, the last one shorter. */
function segmentFrames(track: Pick<CatalogTrack, 'durationMs'>): number[] {
  let left = Math.ceil(track.durationMs / 1000 / FRAME_SECONDS);
  const segments: number[] = [];
  while (left > 0) {
    segments.push(Math.min(FRAMES_PER_SEGMENT, left));
    left -= FRAMES_PER_SEGMENT;
  }
  return segments;
}

function segmentBytes(number: number, frames: number): Uint8Array {
  const tag = packedAudioTimestampTag(number * FRAMES_PER_SEGMENT * FRAME_SECONDS);
  const bytes = new Uint8Array(tag.length + frames * TONE_FRAME.length);
  bytes.set(tag);
  for (let frame = 0; frame < frames; frame++) bytes.set(TONE_FRAME, tag.length + frame * TONE_FRAME.length);
  return bytes;
}

type HlsHandlers = Pick<
  MockHandlers<operations, typeof streamingSpec.operations, StreamingPrincipals>,
  'getHlsManifest' | 'getHlsSegment'
>;

export function hlsHandlers(
  context: MockContext,
  /**
   * Called once per manifest served: a play, which the mock records for the home page's
   * "continue listening" (`recordPlay`).
   */
  onPlay: (play: StreamingMockPlay) => void = () => {},
): HlsHandlers {
  const trackOf = (streamId: string) => {
    const track = trackOfStreamId(context.catalog, streamId);
    if (!track) throw streamingNotFound();
    return track;
  };
  return {
    async getHlsManifest({ path, principal }) {
      const streamId = path.stream_id.toLowerCase();
      const track = trackOf(streamId);
      const expires = Math.floor(context.now().getTime() / 1000) + HLS_SEGMENT_URL_TTL_SECONDS;
      const segments = await Promise.all(
        segmentFrames(track).map(async (frames, number) => ({
          duration: frames * FRAME_SECONDS,
          uri: await signedHlsSegmentUri(streamId, number, STREAMING_MOCK_HLS_URL_SECRET, expires),
        })),
      );
      onPlay({ tenantId: principal.tenantId, userId: principal.userId, streamId, track });
      return {
        status: 200,
        body: new TextEncoder().encode(hlsManifest(segments)),
        contentType: HLS_MANIFEST_CONTENT_TYPE,
        headers: { 'cache-control': 'no-store' },
      };
    },
    async getHlsSegment({ path }, { path: apiPath, url }) {
      // The signature covers the path and query string exactly as sent.
      await verifyHlsSegmentUrl(
        apiPath,
        url.search.slice(1),
        STREAMING_MOCK_HLS_URL_SECRET,
        context.now().getTime(),
      );
      const streamId = path.stream_id.toLowerCase();
      const number = hlsSegmentIndex(path.segment);
      const track = trackOfStreamId(context.catalog, streamId);
      const frames = track && number !== undefined ? segmentFrames(track)[number] : undefined;
      if (number === undefined || frames === undefined || apiPath !== hlsSegmentPath(streamId, number)) {
        throw streamingNotFound();
      }
      return {
        status: 200,
        body: segmentBytes(number, frames),
        contentType: HLS_SEGMENT_CONTENT_TYPE,
        headers: { 'cache-control': 'private, max-age=3600' },
      };
    },
  };
}
