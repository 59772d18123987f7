import type { components } from '@music-apis/spec/collections';
import type { CollectionsTrackStatus } from './collections.js';
import { WAVEFORM_LEVEL_COUNT } from './collections-variants.js';

/**
 * The processing rules the server and the mock share: waveform levels from decoded samples, a cover's
 * color palette from its pixels, and the terminal status from the files made.
 */

type ImageColor = components['schemas']['ImageColor'];

/** `status_text` (and the file's reason) when no encoder is installed. */
export const NO_ENCODER_TEXT = 'No audio encoder (ffmpeg) is installed on the server';

/**
 * Peak levels (0–1) of `WAVEFORM_LEVEL_COUNT` equal slices of the audio, fed one sample at a time
 * (any channel; amplitude −1…1) so a long track is never decoded into memory whole. `expectedSamples`
 * (from the probed duration) places each sample in its slice; samples past it go to the last one.
 */
export function createLevelsAccumulator(expectedSamples: number) {
  const peaks = new Float64Array(WAVEFORM_LEVEL_COUNT);
  const perSlice = Math.max(1, expectedSamples) / WAVEFORM_LEVEL_COUNT;
  let index = 0;
  return {
    push(sample: number) {
      const slice = Math.min(WAVEFORM_LEVEL_COUNT - 1, Math.floor(index / perSlice));
      const level = Math.min(1, Math.abs(sample));
      if (level > (peaks[slice] as number)) peaks[slice] = level;
      index++;
    },
    levels(): number[] {
      return Array.from(peaks, (peak) => Math.round(peak * 1000) / 1000);
    },
  };
}

function hsl(r: number, g: number, b: number): { lightness: number; saturation: number } {
  const max = Math.max(r, g, b) / 255;
  const min = Math.min(r, g, b) / 255;
  const lightness = (max + min) / 2;
  if (max === min) return { lightness, saturation: 0 };
  const delta = max - min;
  return { lightness, saturation: lightness > 0.5 ? delta / (2 - max - min) : delta / (max + min) };
}

const hex = (value: number) => Math.round(value).toString(16).padStart(2, '0').toUpperCase();
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Colors in a palette at most. */
const PALETTE_SIZE = 6;

/**
 * The palette of an image from its RGB pixels (3 bytes each): pixels grouped by their top 3 bits
 * per channel, each group's mean color, the `PALETTE_SIZE` largest groups first with the share of the
 * image they cover (`area`) and their HSL `lightness` and `saturation`.
 */
export function imagePalette(rgb: Uint8Array): ImageColor[] {
  const pixels = Math.floor(rgb.length / 3);
  if (pixels === 0) return [];
  const groups = new Map<number, { count: number; r: number; g: number; b: number }>();
  for (let offset = 0; offset + 2 < rgb.length; offset += 3) {
    const [r, g, b] = [rgb[offset] as number, rgb[offset + 1] as number, rgb[offset + 2] as number];
    const key = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
    const group = groups.get(key) ?? { count: 0, r: 0, g: 0, b: 0 };
    group.count++;
    group.r += r;
    group.g += g;
    group.b += b;
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([keyA, a], [keyB, b]) => b.count - a.count || keyA - keyB)
    .slice(0, PALETTE_SIZE)
    .map(([, group]) => {
      const [r, g, b] = [group.r / group.count, group.g / group.count, group.b / group.count];
      const { lightness, saturation } = hsl(r, g, b);
      return {
        hex: `#${hex(r)}${hex(g)}${hex(b)}`,
        area: round3(group.count / pixels),
        lightness: round3(lightness),
        saturation: round3(saturation),
      };
    });
}

/**
 * The palette's most vibrant color (the original picks one as `player_color`): the most saturated,
 * weighted towards mid lightness, so near-black and near-white colors lose; null for no colors.
 */
export function mostVibrantColor(palette: ImageColor[]): string | null {
  let best: { hex: string; score: number } | null = null;
  for (const color of palette) {
    const score = (color.saturation ?? 0) * (1 - Math.abs((color.lightness ?? 0.5) - 0.5) * 2);
    if (!best || score > best.score) best = { hex: color.hex, score };
  }
  return best?.hex ?? null;
}

/** File extensions of the preserved original, by the upload's sniffed type (`sniffAudioType`). */
const ORIGINAL_EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/vnd.wave': 'wav',
  'audio/x-flac': 'flac',
  'audio/x-aiff': 'aiff',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/mp4': 'm4a',
};

/** The extension of the preserved original: its sniffed type's, else `bin`. */
export const originalExtension = (sniffedType: string) => ORIGINAL_EXTENSIONS[sniffedType] ?? 'bin';

/** What became of one variant's file for a track. */
export interface TrackFileOutcome {
  /** null: nothing to make (an upload without an embedded cover), neither made nor failed. */
  is_success: boolean | null;
  status_text: string | null;
}

/**
 * The terminal status once every file was attempted (the original's lifecycle): `ready` when all were
 * made, else `incomplete` with why (the original upload is kept, so the audio stays usable).
 */
export function processingOutcome(files: TrackFileOutcome[]): {
  status: Extract<CollectionsTrackStatus, 'ready' | 'incomplete'>;
  status_text: string | null;
} {
  const failed = files.filter((file) => file.is_success === false);
  if (failed.length === 0) return { status: 'ready', status_text: null };
  const reasons = [...new Set(failed.map((file) => file.status_text ?? 'unknown error'))].join('; ');
  const attempted = files.filter((file) => file.is_success !== null).length;
  return {
    status: 'incomplete',
    status_text: `${failed.length} of ${attempted} files could not be made: ${reasons}`,
  };
}
