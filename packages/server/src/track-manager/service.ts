import { createHash } from 'node:crypto';
import {
  catalogUnavailable as catalogUnavailableError,
  checkIsrcGiven,
  checkTrackPage,
  isrcNotInCatalog,
  type TrackManagerRecord,
  toTrackManagerRecord,
  trackExists,
  trackNotFound,
  trackPageView,
} from '@music-apis/domain';
import { notFound, unauthorized } from '@music-apis/spec';
import type { components } from '@music-apis/spec/track-manager';
import {
  type CatalogProvider,
  CatalogUnavailableError,
  InvalidCatalogTokenError,
} from '../core/providers/catalog.js';
import type { BlobStore } from '../core/storage.js';
import type { TrackRepository } from './repository.js';

type TrackPage = components['schemas']['TrackPage'];

/** The track manager's domain rules, independent of HTTP. ISRCs are stored upper-case. */
export interface TrackManagerService {
  createTrack(isrc: string, accessToken: string): Promise<TrackManagerRecord>;
  getTrack(isrc: string): Promise<TrackManagerRecord>;
  /** The saved track's cover as JPEG bytes; fetched from the catalog once, then kept in blob storage. */
  getCover(isrc: string): Promise<Uint8Array>;
  /** Spring Data's page `page` (from 0) of `size` saved tracks. */
  listTracks(page: number, size: number): Promise<TrackPage>;
}

const catalogUnavailable = (error: unknown) =>
  error instanceof CatalogUnavailableError ? catalogUnavailableError() : error;

export function createTrackManagerService(
  tracks: TrackRepository,
  catalog: CatalogProvider,
  blobs: BlobStore,
): TrackManagerService {
  const coverDownloads = new Map<string, Promise<Uint8Array>>();

  async function getTrack(isrc: string) {
    const track = await tracks.find(isrc.toUpperCase());
    if (!track) throw trackNotFound(isrc);
    return track;
  }

  async function downloadCover(url: string): Promise<Uint8Array> {
    const key = `track-manager/covers/${createHash('sha256').update(url).digest('hex')}.jpg`;
    const stored = await blobs.get(key);
    if (stored) return stored;
    const bytes = await catalog.fetchCoverImage(url);
    await blobs.put(key, bytes);
    return bytes;
  }

  return {
    getTrack,
    async createTrack(isrcInput, accessToken) {
      checkIsrcGiven(isrcInput);
      const isrc = isrcInput.toUpperCase();
      if (await tracks.find(isrc)) throw trackExists(isrc);
      let found: Awaited<ReturnType<CatalogProvider['findTrackByIsrc']>>;
      try {
        found = await catalog.findTrackByIsrc(isrc, accessToken);
      } catch (error) {
        if (error instanceof InvalidCatalogTokenError) throw unauthorized(error.message);
        throw catalogUnavailable(error);
      }
      if (!found) throw isrcNotInCatalog(isrc);
      const track = { ...toTrackManagerRecord(found), isrc };
      if (!(await tracks.insert(track))) throw trackExists(isrc);
      return track;
    },
    async listTracks(page, size) {
      checkTrackPage(page, size);
      const { tracks: content, total } = await tracks.page(page * size, size);
      return trackPageView(content, page, size, total);
    },
    async getCover(isrc) {
      const track = await getTrack(isrc);
      if (!track.cover_image) throw notFound(`Track with ISRC ${isrc} has no cover`);
      // Concurrent requests for one image share a single download.
      let download = coverDownloads.get(track.cover_image);
      if (!download) {
        download = downloadCover(track.cover_image).finally(() => coverDownloads.delete(track.cover_image));
        coverDownloads.set(track.cover_image, download);
      }
      try {
        return await download;
      } catch (error) {
        throw catalogUnavailable(error);
      }
    },
  };
}
