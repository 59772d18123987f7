import { createReadStream, createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CODEC_CONTENT_TYPES,
  CODEC_EXTENSIONS,
  type CollectionsVariantRecord,
  createLevelsAccumulator,
  IMAGE_CONTENT_TYPES,
  type ImageType,
  imagePalette,
  NO_ENCODER_TEXT,
  originalExtension,
  previewWindow,
  sniffAudioType,
  sniffImage,
  trackFileKey,
} from '@music-apis/domain';
import type { components } from '@music-apis/spec/collections';
import type { IPicture } from 'music-metadata';
import type { AudioEncoder } from '../core/audio-encoder.js';
import type { BlobStore } from '../core/storage.js';

type ImageColor = components['schemas']['ImageColor'];

/**
 * Makes one track's file of one variant from the uploaded audio (a local copy in `workDir`): the
 * transcodes and previews, levels and waveform PNG through ffmpeg, the original as uploaded, the
 * cover from the upload's tags with its palette. Every file is written to the blob store from a
 * local file (a stream), under the track's delivery prefix.
 */

/** The rate levels are computed at: plenty for 320 peaks, cheap to decode. */
const LEVELS_SAMPLE_RATE = 8000;
/** Side of the thumbnail a cover's palette is computed from. */
const PALETTE_THUMBNAIL = 32;

export interface SourceAudio {
  /** The local copy of the upload. */
  path: string;
  duration: number;
  /** The cover embedded in its tags, if any. */
  picture: IPicture | undefined;
}

export interface MadeFile {
  variant_id: string;
  blob_key: string | null;
  size: number | null;
  content_type: string | null;
  /** null: there was nothing to make (an upload without an embedded cover). */
  is_success: boolean | null;
  status_text: string | null;
}

/** What a file adds to the track besides itself. */
export interface TrackAdditions {
  levels?: number[];
  theme?: ImageColor[];
  /** The extracted cover, as a local file (to become the track's cover where it has none). */
  cover?: { path: string; type: ImageType };
}

export function createFileMaker(options: {
  blobs: BlobStore;
  encoder: AudioEncoder | undefined;
  maxCoverBytes: number;
}) {
  const { blobs, encoder } = options;

  /** Streams a local file into the store; an encoder that exited 0 without writing anything is a failure. */
  async function store(key: string, localPath: string) {
    const written = await stat(localPath).catch(() => undefined);
    if (!written?.size) throw new Error('The encoder wrote no file');
    const { size } = await blobs.put(key, createReadStream(localPath));
    return size;
  }

  /** The file of `variant`, and what it adds to the track. Failures are results, not exceptions. */
  async function make(
    variant: CollectionsVariantRecord,
    source: SourceAudio,
    basePath: string,
    workDir: string,
  ): Promise<{ file: MadeFile; additions: TrackAdditions }> {
    const done = (key: string, size: number, contentType: string, additions: TrackAdditions = {}) => ({
      file: {
        variant_id: variant.id,
        blob_key: key,
        size,
        content_type: contentType,
        is_success: true,
        status_text: null,
      },
      additions,
    });
    const failed = (reason: string, isSuccess: false | null = false) => ({
      file: {
        variant_id: variant.id,
        blob_key: null,
        size: null,
        content_type: null,
        is_success: isSuccess,
        status_text: reason,
      },
      additions: {},
    });

    if (variant.type === 'original') {
      const head = await readHead(source.path);
      const type = sniffAudioType(head);
      const extension = originalExtension(type);
      const key = trackFileKey(basePath, variant.index, extension);
      return done(key, await store(key, source.path), type);
    }
    if (variant.type === 'cover') {
      const picture = source.picture;
      if (!picture) return failed('The upload has no embedded cover', null);
      if (picture.data.length > options.maxCoverBytes) return failed('The embedded cover is too large');
      const type = sniffImage(picture.data);
      if (!type) return failed('The embedded cover is not a JPEG or PNG image');
      const local = join(workDir, `cover.${type}`);
      await writeFile(local, picture.data);
      const key = trackFileKey(basePath, variant.index, type);
      const size = await store(key, local);
      // Without ffmpeg to decode it, the cover is kept without its palette.
      const theme = encoder ? imagePalette(await encoder.thumbnailPixels(local, PALETTE_THUMBNAIL)) : [];
      return done(key, size, IMAGE_CONTENT_TYPES[type], { theme, cover: { path: local, type } });
    }
    if (variant.type === 'waveform_video') return failed('Waveform videos are not made by this server');
    if (!encoder) return failed(NO_ENCODER_TEXT);

    try {
      if (variant.type === 'levels') {
        const accumulator = createLevelsAccumulator(Math.round(source.duration * LEVELS_SAMPLE_RATE));
        await encoder.decodeSamples(source.path, LEVELS_SAMPLE_RATE, (samples) => {
          for (const sample of samples) accumulator.push(sample / 32768);
        });
        const levels = accumulator.levels();
        const local = join(workDir, `${variant.id}.json`);
        await writeFile(local, JSON.stringify({ levels }));
        const key = trackFileKey(basePath, variant.index, 'json');
        return done(key, await store(key, local), 'application/json', { levels });
      }
      if (variant.type === 'waveform_image') {
        const local = join(workDir, `${variant.id}.png`);
        await encoder.waveformImage(source.path, local);
        const key = trackFileKey(basePath, variant.index, 'png');
        return done(key, await store(key, local), 'image/png');
      }
      if (!variant.audio) return failed(`A ${variant.type} variant has no audio settings`);
      const clip = variant.preview ? previewWindow(source.duration, variant.preview) : undefined;
      if (clip && clip.length <= 0) return failed('The track is too short for a preview');
      const extension = CODEC_EXTENSIONS[variant.audio.codec];
      const local = join(workDir, `${variant.id}.${extension}`);
      await encoder.transcode(source.path, local, variant.audio, clip);
      const key = trackFileKey(basePath, variant.index, extension);
      return done(key, await store(key, local), CODEC_CONTENT_TYPES[variant.audio.codec]);
    } catch (error) {
      return failed((error as Error).message);
    }
  }

  return { make, hasEncoder: encoder !== undefined };
}

export type FileMaker = ReturnType<typeof createFileMaker>;

async function readHead(path: string): Promise<Uint8Array> {
  const stream = createReadStream(path, { start: 0, end: 15 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Copies a blob to a local file (streamed). False when the blob is gone. */
export async function downloadBlob(blobs: BlobStore, key: string, path: string): Promise<boolean> {
  const stream = await blobs.stream(key);
  if (!stream) return false;
  await pipeline(stream, createWriteStream(path));
  return true;
}
