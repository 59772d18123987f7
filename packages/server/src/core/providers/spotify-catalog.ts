import type { CatalogTrack } from '@music-apis/catalog';
import type { SpotifyCatalogSource } from '@music-apis/domain';
import {
  type CatalogAccessToken,
  type CatalogProvider,
  CatalogUnavailableError,
  InvalidCatalogTokenError,
} from './catalog.js';

export interface SpotifyOptions {
  clientId: string;
  clientSecret: string;
  /** https://api.spotify.com unless overridden. */
  apiUrl: string;
  /** https://accounts.spotify.com unless overridden. */
  accountsUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Per-call timeout in ms (default 10 s): a slow Spotify must not hang our requests. */
  timeoutMs?: number;
}

interface SpotifySearchResponse {
  tracks?: {
    items?: Array<{
      id: string;
      name: string;
      explicit: boolean;
      duration_ms: number;
      track_number?: number;
      external_ids?: { isrc?: string };
      artists: Array<{ id: string; name: string }>;
      album: { id: string; name: string; images: Array<{ url: string }> };
    }>;
  };
}

/**
 * The Spotify Web API as the catalog, as the original used it: a client-credentials token
 * (`POST /api/token` on the accounts host), `GET /v1/search?q=isrc:…&type=track` with the caller's
 * token, the first item, and the album's first (largest) image as the cover.
 */
export function createSpotifyCatalogProvider(options: SpotifyOptions): CatalogProvider {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let cached: { token: CatalogAccessToken; expiresAt: number } | undefined;

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new CatalogUnavailableError(`Spotify is unreachable: ${(error as Error).message}`);
    }
  }

  /**
   * A Web API read with our client-credentials token (the original used only the global app
   * credentials for these): undefined on 404 (and 400, Spotify's answer to an id that is not one).
   */
  async function read<Value>(
    path: string,
    query: Record<string, string | number> = {},
  ): Promise<Value | undefined> {
    const { access_token } = await provider.issueAccessToken();
    const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
    const response = await call(`${options.apiUrl}/v1/${path}${search.size > 0 ? `?${search}` : ''}`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    if (response.status === 404 || response.status === 400) return undefined;
    if (!response.ok)
      throw new CatalogUnavailableError(`Spotify answered ${response.status} for /v1/${path}`);
    return (await response.json()) as Value;
  }
  const id = (value: string) => encodeURIComponent(value);

  const spotify: SpotifyCatalogSource = {
    track: (trackId) => read(`tracks/${id(trackId)}`),
    async album(albumId, page) {
      const album = await read<Awaited<ReturnType<SpotifyCatalogSource['album']>>>(`albums/${id(albumId)}`);
      if (!album) return undefined;
      // As the original: the album's own first page is replaced by the requested one.
      const tracks = await read<NonNullable<typeof album>['tracks']>(`albums/${id(albumId)}/tracks`, {
        ...page,
      });
      return tracks ? { ...album, tracks } : undefined;
    },
    artist: (artistId) => read(`artists/${id(artistId)}`),
    artistAlbums: (artistId, page) =>
      read(`artists/${id(artistId)}/albums`, { include_groups: 'single,album,appears_on', ...page }),
    playlist: (playlistId) =>
      read(`playlists/${id(playlistId)}`, {
        fields: 'id,name,description,owner,images,snapshot_id,public,followers,tracks.total',
      }),
    playlistItems: (playlistId, page) =>
      read(`playlists/${id(playlistId)}/tracks`, {
        fields:
          'items(added_at,is_local,track(id,name,type,artists,album,external_urls,preview_url,duration_ms,explicit,popularity)),total,limit,offset',
        ...page,
      }),
    async search(q, type, limit) {
      const result = await read<Record<string, { items?: unknown[] } | undefined>>('search', {
        q,
        type,
        limit,
      });
      return (result?.[`${type}s`]?.items ?? []) as Awaited<ReturnType<SpotifySearchSource>>;
    },
  };

  const provider: CatalogProvider = {
    name: 'spotify',
    spotify,
    async issueAccessToken() {
      // Reuse the token until a minute before it expires (the original refetched on every call).
      if (cached && cached.expiresAt - 60_000 > Date.now()) {
        return { ...cached.token, expires_in: Math.floor((cached.expiresAt - Date.now()) / 1000) };
      }
      const response = await call(`${options.accountsUrl}/api/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${options.clientId}:${options.clientSecret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      if (!response.ok)
        throw new CatalogUnavailableError(`Spotify refused the client credentials (${response.status})`);
      const token = (await response.json()) as CatalogAccessToken;
      cached = { token, expiresAt: Date.now() + token.expires_in * 1000 };
      return token;
    },
    async findTrackByIsrc(isrc, accessToken): Promise<CatalogTrack | undefined> {
      const query = new URLSearchParams({ q: `isrc:${isrc}`, type: 'track' });
      const response = await call(`${options.apiUrl}/v1/search?${query}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      if (response.status === 401) throw new InvalidCatalogTokenError('Spotify rejected the access token');
      if (!response.ok) throw new CatalogUnavailableError(`Spotify search failed (${response.status})`);
      const item = ((await response.json()) as SpotifySearchResponse).tracks?.items?.[0];
      if (!item) return undefined;
      const artist = item.artists[0];
      return {
        isrc: (item.external_ids?.isrc ?? isrc).toUpperCase(),
        id: item.id,
        name: item.name,
        artistId: artist?.id ?? '',
        artistName: artist?.name ?? '',
        albumId: item.album.id,
        albumName: item.album.name,
        trackNumber: item.track_number ?? 1,
        durationMs: item.duration_ms,
        explicit: item.explicit,
        genre: '',
        mood: '',
        coverImageUrl: item.album.images[0]?.url ?? '',
        coverIndex: 0,
      };
    },
    async fetchCoverImage(url) {
      const response = await call(url, {});
      if (!response.ok) throw new CatalogUnavailableError(`Cover download failed (${response.status})`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
  return provider;
}

type SpotifySearchSource = SpotifyCatalogSource['search'];
