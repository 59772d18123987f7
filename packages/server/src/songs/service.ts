import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import {
  ACCEPTED_AUDIO_TYPES,
  AUDIO_LIMITS,
  AudioRejectedError,
  byteRangeAnswer,
  checkDeclaredAudioSize,
  checkNewSong,
  checkOwnerVerified,
  checkSongOwner,
  newSongRecord,
  noStreamUrl,
  songAgreementChanges,
  songAgreementKey,
  songAudioKey,
  songAudioOf,
  songBlobUrl,
  songChanges,
  songNotFound,
  titleConflict,
} from '@music-apis/domain';
import type { BlobStore } from '../core/storage.js';
import { renderAgreementPdf } from './agreement.js';
import { createSizeLimit, inspectAudio } from './audio.js';
import type { SongFilters } from './filters.js';
import type { AudioUploadReport, SongChanges, SongFields, SongRecord } from './model.js';
import { type Page, type SongsRepository, TitleConflictError } from './repository.js';
import type { StreamUrlSigner } from './stream-urls.js';

/**
 * The songs' domain rules (writable fields, checks, messages) are the shared ones of
 * `@music-apis/catalog`; they throw `HttpError` with the API's status and cause.
 */

export interface SongsService {
  createSong(ownerId: string, body: SongFields): Promise<string>;
  getSong(songId: string): Promise<SongRecord>;
  updateSong(callerId: string, songId: string, body: SongFields): Promise<void>;
  deleteSong(callerId: string, songId: string): Promise<void>;
  listSongs(filters: SongFilters, page: Page, order: 'asc' | 'desc'): Promise<SongRecord[]>;
  countSongs(filters: SongFilters): Promise<number>;
  listGenres(filters: SongFilters, page: Page, order: 'asc' | 'desc'): Promise<string[]>;
  countGenres(filters: SongFilters): Promise<number>;
  /** `declaredSize`: the request's `Content-Length`, checked before the body is read. */
  uploadAudio(
    callerId: string,
    songId: string,
    body: Readable,
    declaredSize: number | undefined,
  ): Promise<AudioUploadReport>;
  processAgreement(callerId: string, songId: string, accepted: boolean): Promise<void>;
  /** Get Song Stream: a signed URL of the song's audio under `baseUrl`; any signed-in user may ask. */
  streamUrl(songId: string, baseUrl: string): Promise<string>;
  /** Stream Song Audio: the checked URL's audio, whole or the asked range. */
  openAudio(request: {
    songId: string;
    expires: number;
    signature: string;
    range?: string;
  }): Promise<SongAudio>;
}

/** The audio a stream URL serves: status, headers (length, range) and the bytes. */
export interface SongAudio {
  status: 200 | 206;
  mediaType: string;
  headers: Record<string, string>;
  body: Readable;
}

const writableChanges = (body: SongFields, mode: 'create' | 'update') =>
  songChanges(body, mode) as SongChanges;

export function createSongsService(options: {
  repository: SongsRepository;
  blobs: BlobStore;
  /** The song owner's KYC status (the agreement requires it). */
  isVerified(userId: string): Promise<boolean>;
  streamUrls: StreamUrlSigner;
  now?: () => number;
}): SongsService {
  const { repository, blobs } = options;
  const now = options.now ?? Date.now;

  async function existingSong(songId: string): Promise<SongRecord> {
    const song = await repository.findSong(songId.toLowerCase());
    if (!song) throw songNotFound(songId);
    return song;
  }

  async function ownedSong(callerId: string, songId: string): Promise<SongRecord> {
    const song = await existingSong(songId);
    checkSongOwner(song, callerId);
    return song;
  }

  return {
    async createSong(ownerId, body) {
      checkNewSong(body);
      const changes = writableChanges(body, 'create');
      const song = newSongRecord(changes, { id: randomUUID(), ownerId, createdAt: now() });
      try {
        await repository.insertSong(song);
      } catch (error) {
        if (error instanceof TitleConflictError) throw titleConflict(song.title);
        throw error;
      }
      return song.id;
    },

    getSong: existingSong,

    async updateSong(callerId, songId, body) {
      const song = await ownedSong(callerId, songId);
      const changes = writableChanges(body, 'update');
      if (Object.keys(changes).length === 0) return;
      try {
        await repository.updateSong(song.id, changes);
      } catch (error) {
        if (error instanceof TitleConflictError) throw titleConflict(changes.title ?? song.title);
        throw error;
      }
    },

    async deleteSong(callerId, songId) {
      const song = await ownedSong(callerId, songId);
      await repository.deleteSong(song.id);
      // Files go after the row: a crash in between leaves an orphan file, never a song without its file.
      await Promise.all([
        ...Object.values(ACCEPTED_AUDIO_TYPES).map((extension) =>
          blobs.delete(songAudioKey(song.id, extension)),
        ),
        blobs.delete(songAgreementKey(song.id)),
      ]);
    },

    listSongs: (filters, page, order) => repository.listSongs(filters, page, order),
    countSongs: (filters) => repository.countSongs(filters),
    listGenres: (filters, page, order) => repository.listGenres(filters, page, order),
    countGenres: (filters) => repository.countGenres(filters),

    async uploadAudio(callerId, songId, body, declaredSize) {
      const song = await ownedSong(callerId, songId);
      checkDeclaredAudioSize(declaredSize);
      const temporaryKey = `songs/uploads/${randomUUID()}.upload`;
      try {
        const sizeLimit = createSizeLimit(AUDIO_LIMITS.maxFileSize);
        // pipeline, not pipe: a client that aborts mid-upload fails the write instead of hanging it.
        const { size } = await blobs.put(
          temporaryKey,
          pipeline(body, sizeLimit, () => {}),
        );
        const stream = await blobs.stream(temporaryKey);
        const head = stream ? await firstBytes(stream, 16) : new Uint8Array();
        const facts = await inspectAudio(size, head, async () => {
          const opened = await blobs.stream(temporaryKey);
          if (!opened) throw new AudioRejectedError('The upload disappeared before it was checked');
          return opened;
        });
        const key = songAudioKey(song.id, facts.extension);
        await blobs.move(temporaryKey, key);
        // A replaced upload of another type must not linger next to the new one.
        await Promise.all(
          Object.values(ACCEPTED_AUDIO_TYPES)
            .filter((extension) => extension !== facts.extension)
            .map((extension) => blobs.delete(songAudioKey(song.id, extension))),
        );
        await repository.updateSong(song.id, {
          originalAudioUrl: songBlobUrl(key),
          duration: facts.durationSeconds,
          audioEncodingStatus: 'Started',
        });
        return {
          url: songBlobUrl(key),
          mimeType: facts.mimeType as AudioUploadReport['mimeType'],
          fileSize: size,
          duration: facts.durationSeconds,
          sampleRate: facts.sampleRate,
        };
      } catch (error) {
        if (error instanceof AudioRejectedError) {
          await repository.updateSong(song.id, { audioEncodingStatus: 'Failed' });
        }
        throw error;
      } finally {
        await blobs.delete(temporaryKey);
      }
    },

    async processAgreement(callerId, songId, accepted) {
      const song = await ownedSong(callerId, songId);
      checkOwnerVerified(await options.isVerified(callerId));
      const key = songAgreementKey(song.id);
      if (accepted) {
        // The original accepts a PDF generated beforehand; ours generates it here and keeps it.
        await blobs.put(key, renderAgreementPdf({ song, acceptedAt: now() }));
      } else {
        await blobs.delete(key);
      }
      await repository.updateSong(song.id, songAgreementChanges(song.id, accepted));
    },

    async streamUrl(songId, baseUrl) {
      const song = await existingSong(songId);
      if (!songAudioOf(song)) throw noStreamUrl();
      return options.streamUrls.issue(baseUrl, song.id);
    },

    async openAudio({ songId, expires, signature, range }) {
      options.streamUrls.verify(songId, expires, signature);
      const song = await existingSong(songId);
      const audio = songAudioOf(song);
      const size = audio && (await blobs.size(audio.key));
      if (!audio || size === undefined) throw noStreamUrl();
      const answer = byteRangeAnswer(size, range);
      const body = await blobs.stream(audio.key, answer.range);
      if (!body) throw noStreamUrl();
      return { status: answer.status, mediaType: audio.mediaType, headers: answer.headers, body };
    },
  };
}

async function firstBytes(stream: Readable, count: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= count) break;
    }
  } finally {
    stream.destroy();
  }
  return new Uint8Array(Buffer.concat(chunks).subarray(0, count));
}
