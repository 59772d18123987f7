import type { HttpClient } from '../../core/http-client.js';
import { resolveToken } from '../../core/token-provider.js';

/**
 * Playing a catalog track: the URL of its HLS manifest (`getHlsManifest`) and the headers a player
 * sends with it. The manifest needs the user's token; its segment URIs are signed and need none.
 */

/** A stream id, or anything carrying one (a catalog track: `getTrack`, `searchTracks`, …). */
export type StreamTarget = string | { stream_id: string };

const streamIdOf = (target: StreamTarget) => (typeof target === 'string' ? target : target.stream_id);

/** The absolute URL of the HLS manifest of a stream or a catalog track, under the client's `baseUrl`. */
export function manifestUrlOf(client: { http: HttpClient }, target: StreamTarget): string {
  const base = client.http.options.baseUrl.replace(/\/+$/, '');
  return `${base}/api/v1/streams/${encodeURIComponent(streamIdOf(target))}/manifest.m3u8`;
}

export interface PlayableStream {
  /** The manifest's URL: give it to hls.js (`loadSource`), ffmpeg, or a native HLS player. */
  url: string;
  /**
   * What the manifest request must carry: the user's `Authorization` (the client's `auth.user`,
   * renewed by its provider) and `X-Device-Id` when the client has one. With hls.js:
   * `xhrSetup: (xhr, url) => { if (url === stream.url) for (const [k, v] of Object.entries(stream.headers)) xhr.setRequestHeader(k, v) }`.
   */
  headers: Record<string, string>;
}

/**
 * Resolves a track (or a stream id) to its playable manifest URL and the headers to fetch it
 * with. Throws when the client has no user token: the manifest answers 401 without one.
 */
export async function resolveStreamUrl(
  client: { http: HttpClient },
  target: StreamTarget,
  options: { signal?: AbortSignal } = {},
): Promise<PlayableStream> {
  const { credentials, headers = {} } = client.http.options;
  const user = credentials?.UserToken;
  if (!user) throw new Error('resolveStreamUrl needs a client with a user token (auth.user)');
  const token = await resolveToken(user.token, options.signal);
  const deviceId = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-device-id')?.[1];
  return {
    url: manifestUrlOf(client, target),
    headers: {
      authorization: `Bearer ${token}`,
      ...(deviceId === undefined ? {} : { 'x-device-id': deviceId }),
    },
  };
}
