import {
  type CollectionsVariantRecord,
  type CollectionTrackRecord,
  createLevelsAccumulator,
  originalExtension,
  previewWindow,
  processingOutcome,
  sniffAudioType,
  type TrackFileOutcome,
  trackFileKey,
  variantFormat,
} from '@music-apis/domain';
import { decodePcmWav, encodeWav, type Pcm, resample, waveformPng } from '../core/pcm.js';
import type { CollectionsMockState } from './state.js';
import { variantsOfTrack } from './variants.js';

/**
 * The mock's processing, instant and in memory, with the server's rules (`@music-apis/domain`):
 * every variant of the track gets a file under `base_path`. The audio files are small real WAVs
 * (8 kHz mono) whatever the variant's codec, cut by the same preview rules; levels and the waveform
 * PNG come from the upload's samples when it is a 16-bit PCM WAV (other audio, which the mock cannot
 * decode, gets silent files and flat levels). Covers embedded in tags are not read by the mock.
 */

/** The rate of the mock's audio files. */
const MOCK_SAMPLE_RATE = 8000;

export interface MockTrackFile extends TrackFileOutcome {
  variant_id: string;
  key: string | null;
  content_type: string | null;
  bytes: Uint8Array | null;
}

function makeFile(
  variant: CollectionsVariantRecord,
  track: CollectionTrackRecord,
  source: { bytes: Uint8Array; pcm: Pcm | undefined; duration: number; levels: number[] },
): MockTrackFile {
  const file = (extension: string, contentType: string, bytes: Uint8Array): MockTrackFile => ({
    variant_id: variant.id,
    key: trackFileKey(track.base_path, variant.index, extension),
    content_type: contentType,
    bytes,
    is_success: true,
    status_text: null,
  });
  const nothing = (reason: string): MockTrackFile => ({
    variant_id: variant.id,
    key: null,
    content_type: null,
    bytes: null,
    is_success: null,
    status_text: reason,
  });
  switch (variant.type) {
    case 'original': {
      const type = sniffAudioType(source.bytes.subarray(0, 16));
      return file(originalExtension(type), type, source.bytes);
    }
    case 'levels':
      return file(
        'json',
        'application/json',
        new TextEncoder().encode(JSON.stringify({ levels: source.levels })),
      );
    case 'waveform_image':
      return file('png', 'image/png', waveformPng(source.levels));
    case 'cover':
      return nothing('The upload has no embedded cover');
    case 'waveform_video':
      return { ...nothing('Waveform videos are not made by this server'), is_success: false };
    default: {
      const clip = variant.preview
        ? previewWindow(source.duration, variant.preview)
        : { start: 0, length: source.duration };
      const samples = source.pcm && resample(source.pcm, MOCK_SAMPLE_RATE, clip.start, clip.length);
      return file(
        variantFormat(variant) ?? 'wav',
        'audio/wav',
        encodeWav(samples, MOCK_SAMPLE_RATE, clip.length),
      );
    }
  }
}

function levelsOf(pcm: Pcm | undefined, duration: number): number[] {
  const accumulator = createLevelsAccumulator(
    pcm ? pcm.samples.length : Math.round(duration * MOCK_SAMPLE_RATE),
  );
  if (pcm) for (const sample of pcm.samples) accumulator.push(sample);
  return accumulator.levels();
}

/** Makes the files of `variants` (default: all of the track's) from the audio bytes, then settles the track. */
export function processTrackAudio(
  state: CollectionsMockState,
  track: CollectionTrackRecord,
  bytes: Uint8Array,
  duration: number,
  variants: CollectionsVariantRecord[] = variantsOfTrack(state, track),
): void {
  const pcm = decodePcmWav(bytes);
  const levels = levelsOf(pcm, duration);
  const files = state.trackFiles.get(track.id) ?? new Map<string, MockTrackFile>();
  for (const variant of variants)
    files.set(variant.id, makeFile(variant, track, { bytes, pcm, duration, levels }));
  state.trackFiles.set(track.id, files);
  Object.assign(track, { duration, levels, ...processingOutcome([...files.values()]) });
}

/** The uploaded audio, kept as the track's `original` file. */
export function sourceAudioOf(
  state: CollectionsMockState,
  track: CollectionTrackRecord,
): Uint8Array | undefined {
  const original = variantsOfTrack(state, track).find((variant) => variant.type === 'original');
  return (original && state.trackFiles.get(track.id)?.get(original.id)?.bytes) ?? undefined;
}
