import { deterministicUuid } from '@music-apis/catalog';
import { HttpError } from '@music-apis/spec';
import type { components } from '@music-apis/spec/collections';

/**
 * Variants of the collections API (the original's variant-types guide): recipes for the files made
 * from every uploaded track, configured per organization, plus track-specific ones
 * (`addTrackVariant`). Here so the server and the mock configure, show and check them alike.
 */

type Variant = components['schemas']['Variant'];
export type VariantTypeId = components['schemas']['VariantTypeId'];
export type AudioCodec = components['schemas']['AudioCodec'];

/** A transcode's or preview's audio settings. */
export interface AudioSettings {
  codec: AudioCodec;
  bitrate: number;
  is_stereo: boolean;
  is_strip_tags: boolean;
  is_strip_cover: boolean;
}

/** A preview's clip settings (every one set: the document's defaults fill in what a body leaves out). */
export interface PreviewSettings {
  preview_type: 'seconds' | 'percent';
  preview_seconds: number;
  preview_min_percent: number;
  preview_max_percent: number;
  preview_percent: number;
  preview_min_seconds: number;
  preview_max_seconds: number;
  preview_start_percent: number;
}

/** A stored variant. `track_id` is null for the organization's, set for a track-specific one. */
export interface CollectionsVariantRecord {
  id: string;
  organization_id: string;
  track_id: string | null;
  index: string;
  name: string;
  type: VariantTypeId;
  audio: AudioSettings | null;
  preview: PreviewSettings | null;
}

/** The file extension of each codec's files. */
export const CODEC_EXTENSIONS: Readonly<Record<AudioCodec, string>> = {
  aac: 'm4a',
  mp3: 'mp3',
  ogg: 'ogg',
  opus: 'opus',
};

/** The content type of each codec's files. */
export const CODEC_CONTENT_TYPES: Readonly<Record<AudioCodec, string>> = {
  aac: 'audio/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
};

/** Samples in the waveform levels every track gets (the variant-types guide's free default). */
export const WAVEFORM_LEVEL_COUNT = 320;

const DEFAULT_AUDIO: AudioSettings = {
  codec: 'aac',
  bitrate: 128,
  is_stereo: true,
  is_strip_tags: true,
  is_strip_cover: true,
};

const DEFAULT_PREVIEW: PreviewSettings = {
  preview_type: 'seconds',
  preview_seconds: 60,
  preview_min_percent: 0,
  preview_max_percent: 50,
  preview_percent: 25,
  preview_min_seconds: 0,
  preview_max_seconds: 90,
  preview_start_percent: 25,
};

/** What every organization starts with: the guide's `hq`/`lq` transcodes, a preview and the automatic files. */
const ORGANIZATION_VARIANTS: Omit<CollectionsVariantRecord, 'id' | 'organization_id' | 'track_id'>[] = [
  {
    index: 'hq',
    name: 'High quality (MP3, 320 kbit/s)',
    type: 'transcode',
    audio: { ...DEFAULT_AUDIO, codec: 'mp3', bitrate: 320 },
    preview: null,
  },
  {
    index: 'lq',
    name: 'Low bandwidth (MP3, 128 kbit/s)',
    type: 'transcode',
    audio: { ...DEFAULT_AUDIO, codec: 'mp3', bitrate: 128 },
    preview: null,
  },
  {
    index: 'preview',
    name: 'Preview clip (MP3, 128 kbit/s)',
    type: 'preview',
    audio: { ...DEFAULT_AUDIO, codec: 'mp3', bitrate: 128 },
    preview: { ...DEFAULT_PREVIEW },
  },
  { index: 'levels', name: 'Waveform levels (320 samples)', type: 'levels', audio: null, preview: null },
  { index: 'waveform', name: 'Waveform image (PNG)', type: 'waveform_image', audio: null, preview: null },
  { index: 'original', name: 'Original upload', type: 'original', audio: null, preview: null },
  { index: 'cover', name: 'Embedded cover image', type: 'cover', audio: null, preview: null },
];

/**
 * An organization's configured variants, with ids derived from the organization and the index, so
 * every instance (and the mock) configures the same ones, and configuring twice inserts nothing new.
 */
export function organizationVariants(organizationId: string): CollectionsVariantRecord[] {
  return ORGANIZATION_VARIANTS.map((variant) => ({
    ...variant,
    id: deterministicUuid(`collections-variant:${organizationId}:${variant.index}`),
    organization_id: organizationId,
    track_id: null,
    audio: variant.audio && { ...variant.audio },
    preview: variant.preview && { ...variant.preview },
  }));
}

/** The extension of a variant's files, or null where the track decides (the original, the cover). */
export function variantFormat(variant: Pick<CollectionsVariantRecord, 'type' | 'audio'>): string | null {
  if (variant.audio) return CODEC_EXTENSIONS[variant.audio.codec];
  if (variant.type === 'levels') return 'json';
  if (variant.type === 'waveform_image') return 'png';
  return null;
}

const NO_PREVIEW = Object.fromEntries(Object.keys(DEFAULT_PREVIEW).map((key) => [key, null])) as {
  [Key in keyof PreviewSettings]: null;
};

/** A variant as the API shows it. */
export function variantView(record: CollectionsVariantRecord): Variant {
  return {
    id: record.id,
    index: record.index,
    name: record.name,
    type: record.type,
    track_id: record.track_id,
    format: variantFormat(record),
    codec: record.audio?.codec ?? null,
    bitrate: record.audio?.bitrate ?? null,
    is_stereo: record.audio?.is_stereo ?? null,
    is_strip_tags: record.audio?.is_strip_tags ?? null,
    is_strip_cover: record.audio?.is_strip_cover ?? null,
    ...(record.preview ?? NO_PREVIEW),
  };
}

/**
 * The clip of a preview, in seconds of the source: its length by the preview rules (see
 * `PreviewType` in openapi/collections.yaml), then its start, moved earlier where the clip would run
 * past the end. Rounded to milliseconds, so the server and the mock cut alike.
 */
export function previewWindow(duration: number, preview: PreviewSettings): { start: number; length: number } {
  const percentOf = (percent: number) => (duration * percent) / 100;
  const clamp = (value: number, low: number, high: number) =>
    Math.min(Math.max(value, low), Math.max(low, high));
  const wanted =
    preview.preview_type === 'seconds'
      ? clamp(
          preview.preview_seconds,
          percentOf(preview.preview_min_percent),
          percentOf(preview.preview_max_percent),
        )
      : clamp(percentOf(preview.preview_percent), preview.preview_min_seconds, preview.preview_max_seconds);
  const length = Math.min(Math.max(wanted, 0), duration);
  const start = Math.max(0, Math.min(percentOf(preview.preview_start_percent), duration - length));
  const ms = (value: number) => Math.round(value * 1000) / 1000;
  return { start: ms(start), length: ms(length) };
}

export const variantNotFound = () => new HttpError(404, 'Variant not found');

type AddTrackVariantBody = components['schemas']['AddTrackVariantBody'];

/** A track-specific variant from an `addTrackVariant` body; what the body leaves out gets the document's defaults. */
export function trackVariantFromBody(
  body: AddTrackVariantBody,
  ids: { id: string; organization_id: string; track_id: string },
): CollectionsVariantRecord & { track_id: string } {
  const audio: AudioSettings = {
    codec: body.codec ?? DEFAULT_AUDIO.codec,
    bitrate: body.bitrate ?? DEFAULT_AUDIO.bitrate,
    is_stereo: body.is_stereo ?? DEFAULT_AUDIO.is_stereo,
    is_strip_tags: body.is_strip_tags ?? DEFAULT_AUDIO.is_strip_tags,
    is_strip_cover: body.is_strip_cover ?? DEFAULT_AUDIO.is_strip_cover,
  };
  const preview: PreviewSettings | null =
    body.variant_type_id === 'preview'
      ? {
          preview_type: body.preview_type ?? DEFAULT_PREVIEW.preview_type,
          preview_seconds: body.preview_seconds ?? DEFAULT_PREVIEW.preview_seconds,
          preview_min_percent: body.preview_min_percent ?? DEFAULT_PREVIEW.preview_min_percent,
          preview_max_percent: body.preview_max_percent ?? DEFAULT_PREVIEW.preview_max_percent,
          preview_percent: body.preview_percent ?? DEFAULT_PREVIEW.preview_percent,
          preview_min_seconds: body.preview_min_seconds ?? DEFAULT_PREVIEW.preview_min_seconds,
          preview_max_seconds: body.preview_max_seconds ?? DEFAULT_PREVIEW.preview_max_seconds,
          preview_start_percent: body.preview_start_percent ?? DEFAULT_PREVIEW.preview_start_percent,
        }
      : null;
  const kind = body.variant_type_id === 'preview' ? 'Preview clip' : 'Transcode';
  return {
    ...ids,
    index: body.index,
    name: `${kind} (${audio.codec.toUpperCase()}, ${audio.bitrate} kbit/s)`,
    type: body.variant_type_id,
    audio,
    preview,
  };
}

/**
 * A variant is added to a track whose audio is in: not before an upload (`initialized`) nor after
 * one that was not audio (`init_error`): 422, as the original answers.
 */
export function assertHasSourceFile(track: { status: string; audio_key: string | null }): void {
  if (track.audio_key && track.status !== 'initialized' && track.status !== 'init_error') return;
  throw new HttpError(422, 'The track has no source file to process yet: upload its audio first');
}

export const variantIndexTaken = (index: string) =>
  new HttpError(409, `A variant with index "${index}" already exists for this track or its organization`);
