import type { StreamSongAudioParams } from '../client.gen.js';

/**
 * The `streamSongAudio` arguments inside a URL that `getSongStream` answered, so the audio can be
 * fetched through the client (its base URL, retries, hooks) instead of by the URL as is.
 */
export function streamUrlParams(url: string): StreamSongAudioParams {
  const parsed = new URL(url);
  const songId = /\/v1\/songs\/([^/]+)\/audio\/stream$/.exec(parsed.pathname)?.[1];
  const expires = Number(parsed.searchParams.get('expires') ?? Number.NaN);
  const signature = parsed.searchParams.get('signature');
  if (songId === undefined || signature === null || !Number.isSafeInteger(expires)) {
    throw new TypeError(`Not a song stream URL: ${url}`);
  }
  return { songId: decodeURIComponent(songId), expires, signature };
}
