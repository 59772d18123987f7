import { HttpError } from '@music-apis/spec';
import { hmacSha256Hex, sameHex } from './hmac.js';

/**
 * HLS streams of the streaming API (`getHlsManifest`, `getHlsSegment`): the manifest text, the
 * signed segment URIs and the packed-audio segments' ID3 timestamps, shared by the server (which
 * cuts real segments with ffmpeg) and the mock (which repeats a precomputed AAC frame), so both
 * list, sign and check them alike. Browser-safe: HMAC through Web Crypto.
 */

/** How long a segment lasts, about: the server cuts at this length, the mock too. */
export const HLS_SEGMENT_SECONDS = 6;
/**
 * How long the segment URIs of a manifest work. A player reads a VOD manifest once and fetches
 * segments as it plays (and after a pause), so this outlasts the longest demo track many times.
 */
export const HLS_SEGMENT_URL_TTL_SECONDS = 6 * 3600;
/** Segments are packed audio: ADTS AAC led by an ID3 tag with their start time (HLS §3.4). */
export const HLS_SEGMENT_EXTENSION = 'aac';
export const HLS_SEGMENT_CONTENT_TYPE = 'audio/aac';
export const HLS_MANIFEST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';

/** The API path of a stream's segment `index`: what its signature covers. */
export const hlsSegmentPath = (streamId: string, index: number) =>
  `/api/v1/streams/${streamId.toLowerCase()}/segments/${index}.${HLS_SEGMENT_EXTENSION}`;

/** The index of a segment file name (`<n>.aac`), or undefined. */
export function hlsSegmentIndex(name: string): number | undefined {
  const match = /^(0|[1-9][0-9]{0,4})\.aac$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** One segment as a manifest lists it: its length in seconds and its URI. */
export interface HlsManifestSegment {
  duration: number;
  uri: string;
}

/**
 * A VOD media playlist of `segments`, in order. `#EXT-X-TARGETDURATION` is the longest segment
 * rounded up (RFC 8216 §4.3.3.1); the version stays 3 (decimal `EXTINF`s need no more).
 */
export function hlsManifest(segments: readonly HlsManifestSegment[]): string {
  const longest = Math.max(1, ...segments.map((segment) => segment.duration));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(longest - 1e-6)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
  ];
  for (const segment of segments) lines.push(`#EXTINF:${segment.duration.toFixed(3)},`, segment.uri);
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/**
 * The relative URI (`segments/<n>.aac?expires=…&verify=…`) of a stream's segment, signed until
 * `expires` (epoch s): a player resolves it against the manifest's URL. The signature covers the
 * segment's API path and `?expires=…`, as `verifyHlsSegmentUrl` checks it.
 */
export async function signedHlsSegmentUri(
  streamId: string,
  index: number,
  secret: string,
  expires: number,
): Promise<string> {
  const signed = `${hlsSegmentPath(streamId, index)}?expires=${expires}`;
  const relative = signed.slice(signed.lastIndexOf('/segments/') + 1);
  return `${relative}&verify=${await hmacSha256Hex(secret, signed)}`;
}

const VERIFY_LAST = /(?:^|&)verify=([0-9a-f]{64})$/;

export const hlsSegmentUrlInvalid = () => new HttpError(403, 'This segment URL is invalid.');
export const hlsSegmentUrlExpired = () => new HttpError(403, 'This segment URL has expired.');
/** What both stores answer where segments cannot be cut: the server without ffmpeg. */
export const hlsEncoderUnavailable = () =>
  new HttpError(503, 'The streaming server cannot encode audio: ffmpeg is not installed (set FFMPEG_PATH).', {
    code: 'ENCODER_UNAVAILABLE',
  });

/**
 * Checks a presented segment URL: its raw API `path` and `query` (without `?`), as sent. The
 * signature first (a forged URL learns nothing more), then the expiry; 403 for either.
 */
export async function verifyHlsSegmentUrl(
  path: string,
  query: string,
  secret: string,
  now: number,
): Promise<void> {
  const match = VERIFY_LAST.exec(query);
  if (!match) throw hlsSegmentUrlInvalid();
  const unsigned = query.slice(0, match.index);
  const signed = unsigned === '' ? path : `${path}?${unsigned}`;
  if (!sameHex(await hmacSha256Hex(secret, signed), match[1] as string)) throw hlsSegmentUrlInvalid();
  const expires = Number(new URLSearchParams(unsigned).get('expires') ?? Number.NaN);
  if (!Number.isInteger(expires)) throw hlsSegmentUrlInvalid();
  if (expires * 1000 <= now) throw hlsSegmentUrlExpired();
}

const TIMESTAMP_OWNER = 'com.apple.streaming.transportStreamTimestamp\0';

/**
 * The ID3 tag that leads a packed-audio segment: a PRIV frame with the 33-bit MPEG-2 timestamp
 * (90 kHz) of its first sample (HLS §3.4), which players need to place the segment on the timeline.
 */
export function packedAudioTimestampTag(startSeconds: number): Uint8Array {
  const owner = new TextEncoder().encode(TIMESTAMP_OWNER);
  const frameSize = owner.length + 8;
  const tag = new Uint8Array(10 + 10 + frameSize);
  const view = new DataView(tag.buffer);
  tag.set([0x49, 0x44, 0x33, 4, 0, 0]); // "ID3", v2.4.0, no flags
  view.setUint32(6, 10 + frameSize); // syncsafe size: below 128, the same bytes
  tag.set([0x50, 0x52, 0x49, 0x56], 10); // "PRIV"
  view.setUint32(14, frameSize);
  tag.set(owner, 20);
  const ticks = Math.round(startSeconds * 90_000) % 2 ** 33;
  view.setUint32(20 + owner.length, Math.floor(ticks / 2 ** 32));
  view.setUint32(24 + owner.length, ticks % 2 ** 32);
  return tag;
}
