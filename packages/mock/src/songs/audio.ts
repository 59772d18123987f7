import { type AcceptedAudioType, checkAudioFile, checkAudioFormat } from '@music-apis/domain';
import { type AudioFormat, readAudioFormat } from '../core/audio.js';

/** The upload report's facts, or the shared `AudioRejectedError` with the server's 422 cause. */
export function inspectAudio(
  bytes: Uint8Array,
): { mimeType: AcceptedAudioType; extension: string } & AudioFormat {
  const { mimeType, extension } = checkAudioFile(bytes.length, bytes.subarray(0, 16));
  return { mimeType, extension, ...checkAudioFormat(mimeType, readAudioFormat(bytes, extension)) };
}
