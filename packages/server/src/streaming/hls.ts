import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Catalog, type CatalogTrack, wavFile } from '@music-apis/catalog';
import {
  HLS_SEGMENT_SECONDS,
  HLS_SEGMENT_URL_TTL_SECONDS,
  hlsEncoderUnavailable,
  hlsManifest,
  hlsSegmentIndex,
  hlsSegmentPath,
  packedAudioTimestampTag,
  signedHlsSegmentUri,
  streamingNotFound,
  trackOfStreamId,
  verifyHlsSegmentUrl,
} from '@music-apis/domain';
import { type AudioEncoder, detectFfmpeg } from '../core/audio-encoder.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../core/storage.js';

/**
 * The HLS streams of the streaming API: each demo track's audio (a tone, generated the same way
 * every time) cut by ffmpeg into packed-audio segments the first time its stream is asked for,
 * kept in the blob store (so every instance serves them), and listed in a manifest whose segment
 * URIs are signed until they expire (`getHlsSegment` checks them).
 */

/** Who is playing what: what `onPlay` hears of each manifest served. */
export interface HlsPlay {
  tenantId: string;
  userId: string;
  streamId: string;
  track: CatalogTrack;
}

export interface HlsServiceOptions {
  blobs: BlobStore;
  catalog: Catalog;
  logger: Logger;
  ffmpegPath: string;
  /** The key of the segment URIs' signatures (shared by every instance: kept in the database). */
  urlSecret: string;
  /**
   * Called once per manifest served, after the stream is ready, with the listener and the track:
   * a play, which the module records for the home page's "continue listening" (`recordPlay`).
   * A failure here fails the request.
   */
  onPlay?: (play: HlsPlay) => Promise<void> | void;
}

/** What the store keeps beside a stream's segments; written last, so its presence means "complete". */
interface HlsIndex {
  segments: { start: number; duration: number }[];
}

/** The demo audio: mono at 16 kHz (cheap to make and to encode, still a format every player takes). */
const SAMPLE_RATE = 16_000;
const BITRATE_KBPS = 32;
/** Bump when the audio or its encoding changes: new segments are then cut under new keys. */
const LAYOUT = 'v1';

const streamKey = (streamId: string, name: string) => `streaming/hls/${LAYOUT}/${streamId}/${name}`;

/** A tone between 220 and 660 Hz, the same for a track every time (from its ISRC). */
function toneOf(track: Pick<CatalogTrack, 'isrc'>): number {
  let hash = 0;
  for (const char of track.isrc) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 220 + (hash % 441);
}

export function createHlsService(options: HlsServiceOptions) {
  const { blobs, catalog, logger } = options;
  const onPlay = options.onPlay ?? (() => {});
  let encoder: Promise<AudioEncoder | undefined> | undefined;
  /** ffmpeg is looked for once, at the first stream asked for (not at every start). */
  const encoderOf = () => {
    encoder ??= detectFfmpeg(options.ffmpegPath, logger, 'HLS streams cannot be made (503)');
    return encoder;
  };
  /** Streams being cut on this instance: a second request waits for the first one's work. */
  const producing = new Map<string, Promise<HlsIndex>>();

  function trackOf(streamId: string): CatalogTrack {
    const track = trackOfStreamId(catalog, streamId);
    if (!track) throw streamingNotFound();
    return track;
  }

  async function storedIndex(streamId: string): Promise<HlsIndex | undefined> {
    const stored = await blobs.get(streamKey(streamId, 'index.json'));
    return stored && (JSON.parse(stored.toString('utf8')) as HlsIndex);
  }

  /**
   * Cuts the track's segments and stores them, the index last. Two instances racing on one stream
   * both write the same keys with equivalent files (the audio and the encoder are deterministic,
   * each write is atomic), and readers look at segments only once an index is there: safe.
   */
  async function produce(streamId: string, track: CatalogTrack): Promise<HlsIndex> {
    const ffmpeg = await encoderOf();
    if (!ffmpeg) throw hlsEncoderUnavailable();
    const workDir = await mkdtemp(join(tmpdir(), 'music-apis-hls-'));
    try {
      const input = join(workDir, 'track.wav');
      await writeFile(
        input,
        wavFile({ seconds: track.durationMs / 1000, sampleRate: SAMPLE_RATE, frequency: toneOf(track) }),
      );
      const cut = await ffmpeg.packedAudioSegments(input, workDir, {
        seconds: HLS_SEGMENT_SECONDS,
        bitrate: BITRATE_KBPS,
      });
      const segments: HlsIndex['segments'] = [];
      for (const [index, segment] of cut.entries()) {
        const audio = await readFile(segment.file);
        const tag = packedAudioTimestampTag(segment.start);
        await blobs.put(streamKey(streamId, `${index}.aac`), Buffer.concat([tag, audio]));
        segments.push({ start: segment.start, duration: segment.end - segment.start });
      }
      const index: HlsIndex = { segments };
      await blobs.put(streamKey(streamId, 'index.json'), Buffer.from(JSON.stringify(index)));
      logger.info({ streamId, isrc: track.isrc, segments: segments.length }, 'HLS stream segments made');
      return index;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async function indexOf(streamId: string, track: CatalogTrack): Promise<HlsIndex> {
    const stored = await storedIndex(streamId);
    if (stored) return stored;
    let pending = producing.get(streamId);
    if (!pending) {
      pending = produce(streamId, track).finally(() => producing.delete(streamId));
      producing.set(streamId, pending);
    }
    return pending;
  }

  return {
    /** The manifest of a stream for a listener; its segment URIs work for `HLS_SEGMENT_URL_TTL_SECONDS`. */
    async manifest(streamIdAsked: string, listener: { tenantId: string; userId: string }, now: number) {
      const streamId = streamIdAsked.toLowerCase();
      const track = trackOf(streamId);
      const index = await indexOf(streamId, track);
      const expires = Math.floor(now / 1000) + HLS_SEGMENT_URL_TTL_SECONDS;
      const segments = await Promise.all(
        index.segments.map(async (segment, number) => ({
          duration: segment.duration,
          uri: await signedHlsSegmentUri(streamId, number, options.urlSecret, expires),
        })),
      );
      await onPlay({ tenantId: listener.tenantId, userId: listener.userId, streamId, track });
      return hlsManifest(segments);
    },

    /** A segment asked for by its signed URL: `path` and `query` exactly as sent. */
    async segment(request: { streamId: string; segment: string; path: string; query: string; now: number }) {
      await verifyHlsSegmentUrl(request.path, request.query, options.urlSecret, request.now);
      const streamId = request.streamId.toLowerCase();
      const number = hlsSegmentIndex(request.segment);
      // A signature is made for the canonical path only: anything else was not handed out.
      if (number === undefined || request.path !== hlsSegmentPath(streamId, number))
        throw streamingNotFound();
      const bytes = await blobs.get(streamKey(streamId, `${number}.aac`));
      if (!bytes) throw streamingNotFound();
      return bytes;
    },
  };
}

export type HlsService = ReturnType<typeof createHlsService>;
