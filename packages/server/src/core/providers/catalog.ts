import type { CatalogTrack } from '@music-apis/catalog';
import type { SpotifyCatalogSource } from '@music-apis/domain';

/**
 * The music catalog behind the track manager and the downloader's views (Spotify in the originals). The built-in demo catalog is
 * the default; the Spotify adapter is used when Spotify credentials are configured.
 */
export interface CatalogAccessToken {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until it expires. */
  expires_in: number;
}

export interface CatalogProvider {
  readonly name: string;
  /** A client-credentials token that callers pass back on track creation. */
  issueAccessToken(): Promise<CatalogAccessToken>;
  /**
   * Looks a track up by ISRC with the caller's token; undefined when the catalog has none.
   * Throws `InvalidCatalogTokenError` when the token is not accepted.
   */
  findTrackByIsrc(isrc: string, accessToken: string): Promise<CatalogTrack | undefined>;
  /** Image bytes at a cover URL this catalog returned. Throws `CatalogUnavailableError` when unreachable. */
  fetchCoverImage(url: string): Promise<Uint8Array>;
  /** Tracks, albums, artists, playlists and search in Spotify's shapes (the downloader's views). */
  readonly spotify: SpotifyCatalogSource;
}

export class InvalidCatalogTokenError extends Error {
  override name = 'InvalidCatalogTokenError';
}

export class CatalogUnavailableError extends Error {
  override name = 'CatalogUnavailableError';
}
