import { type Readable, Transform } from 'node:stream';
import { audioTooLarge, checkAudioFile, checkAudioFormat } from '@music-apis/domain';

/**
 * The server's half of the audio checks: streaming and music-metadata. The limits, the sniffing
 * and the messages are the shared rules of `@music-apis/catalog` (`songs-rules.ts`).
 */

/**
 * Passes the upload through, counting bytes; fails with 422 as soon as it exceeds the maximum,
 * so a huge body is never written in full.
 */
export function createSizeLimit(maxBytes: number): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) {
        callback(audioTooLarge(counter.bytes));
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
 * Checks a stored upload of `size` bytes: `head` is its first bytes, `openStream` gives the whole
 * file for music-metadata (which reads the format headers and derives the duration). Throws the
 * shared `AudioRejectedError`.
 */
export async function inspectAudio(
  size: number,
  head: Uint8Array,
  openStream: () => Promise<Readable>,
): Promise<AudioFacts> {
  const { mimeType, extension } = checkAudioFile(size, head);
  const stream = await openStream();
  let format: { durationSeconds?: number; sampleRate?: number } | undefined;
  try {
    // Loaded with the first upload, not at start.
    const { parseStream } = await import('music-metadata');
    const parsed = await parseStream(stream, { mimeType, size }, { skipCovers: true });
    format = { durationSeconds: parsed.format.duration, sampleRate: parsed.format.sampleRate };
  } catch {
    // Right magic bytes, broken inside: treated like any other file we cannot read.
  } finally {
    stream.destroy();
  }
  return { mimeType, extension, ...checkAudioFormat(mimeType, format) };
}
