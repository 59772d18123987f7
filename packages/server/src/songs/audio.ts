import { type Readable, Transform } from 'node:stream';
import { parseStream } from 'music-metadata';
import { HttpError } from '../core/http/errors.js';

/**
 * The audio checks of Upload Song Audio, as the original configures them: 1 MB to 1 GB, WAV,
 * FLAC or AIFF detected from the bytes (never from Content-Type), at least 30 s, at least 44.1 kHz.
 */
export const AUDIO_LIMITS = {
  minFileSize: 1_000_000,
  maxFileSize: 1_000_000_000,
  minDurationSeconds: 30,
  minSampleRate: 44_100,
} as const;

export const ACCEPTED_AUDIO_TYPES: Record<string, string> = {
  'audio/vnd.wave': 'wav',
  'audio/x-flac': 'flac',
  'audio/x-aiff': 'aiff',
};

/** A check failed: 422, and the song's `audioEncodingStatus` becomes `Failed`. */
export class AudioRejectedError extends HttpError {
  constructor(cause: string) {
    super(422, cause);
    this.name = 'AudioRejectedError';
  }
}

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

/**
 * The media type from the file's first bytes, named as Apache Tika (the original's detector) names
 * them, so an MP3 is reported as `audio/mpeg` and unknown bytes as `application/octet-stream`.
 */
export function sniffAudioType(head: Uint8Array): string {
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return 'audio/vnd.wave';
  if (ascii(head, 0, 4) === 'fLaC') return 'audio/x-flac';
  if (ascii(head, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(head, 8, 12))) return 'audio/x-aiff';
  if (ascii(head, 0, 3) === 'ID3') return 'audio/mpeg';
  if (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0) return 'audio/mpeg';
  if (ascii(head, 0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(head, 4, 8) === 'ftyp') return 'audio/mp4';
  return 'application/octet-stream';
}

/**
 * Passes the upload through, counting bytes; fails with 422 as soon as it exceeds the maximum,
 * so a huge body is never written in full.
 */
export function createSizeLimit(maxBytes: number): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) {
        callback(new AudioRejectedError(`File is too large: ${counter.bytes} bytes`));
        return;
      }
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

export interface AudioFacts {
  mimeType: string;
  extension: string;
  durationSeconds: number;
  sampleRate: number;
}

/**
 * Checks a stored upload of `size` bytes: `openHead` gives its first bytes, `openStream` the whole
 * file for music-metadata (which reads the format headers and derives the duration).
 */
export async function inspectAudio(
  size: number,
  head: Uint8Array,
  openStream: () => Promise<Readable>,
): Promise<AudioFacts> {
  if (size < AUDIO_LIMITS.minFileSize) throw new AudioRejectedError(`File is too small: ${size} bytes`);
  if (size > AUDIO_LIMITS.maxFileSize) throw new AudioRejectedError(`File is too large: ${size} bytes`);
  const mimeType = sniffAudioType(head);
  const extension = ACCEPTED_AUDIO_TYPES[mimeType];
  if (!extension) throw new AudioRejectedError(`Unsupported media type: ${mimeType}`);

  const stream = await openStream();
  let duration: number | undefined;
  let sampleRate: number | undefined;
  try {
    const { format } = await parseStream(stream, { mimeType, size }, { skipCovers: true });
    duration = format.duration;
    sampleRate = format.sampleRate;
  } catch {
    // Right magic bytes, broken inside: treated like any other file we cannot read.
  } finally {
    stream.destroy();
  }
  if (duration === undefined || sampleRate === undefined || !Number.isFinite(duration)) {
    throw new AudioRejectedError(`Unsupported media type: ${mimeType} (the file could not be read)`);
  }
  if (duration < AUDIO_LIMITS.minDurationSeconds) {
    throw new AudioRejectedError(`Duration is too short: ${Math.floor(duration)} secs`);
  }
  if (sampleRate < AUDIO_LIMITS.minSampleRate) {
    throw new AudioRejectedError(`Sample rate is too low: ${sampleRate} Hz`);
  }
  return { mimeType, extension, durationSeconds: Math.floor(duration), sampleRate };
}
