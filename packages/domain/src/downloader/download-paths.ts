import type { DownloadSettings } from './task-views.js';

/**
 * Where a downloaded track goes: the original's naming templates (`customDirFormat`,
 * `customTrackFormat`, deezspot's `%placeholders%`), track-number padding (`tracknumPadding`,
 * `padNumberWidth`, or "auto": as wide as the track count) and the file extension of the format.
 */

export interface TrackNaming {
  title: string;
  artists: readonly string[];
  album: string;
  albumArtists: readonly string[];
  trackNumber: number;
  discNumber: number;
  /** Tracks in the album (or the playlist, for a playlist download). */
  totalTracks: number;
  releaseDate: string;
  isrc?: string;
  playlist?: string;
  /** Position in the playlist (playlist downloads). */
  playlistNumber?: number;
}

/** Characters no file system takes in a name, and control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const UNSAFE = /[/\\:*?"<>|\u0000-\u001f]/g;

/** One path segment: unsafe characters replaced, no leading dots (no `..`), bounded length. */
export function safeSegment(text: string): string {
  const cleaned = text
    .replace(UNSAFE, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 180);
  return cleaned === '' ? '_' : cleaned;
}

export function paddedNumber(value: number, total: number, settings: DownloadSettings): string {
  if (!settings.tracknumPadding) return String(value);
  const width =
    settings.padNumberWidth === 'auto' ? String(Math.max(total, 1)).length : settings.padNumberWidth;
  return String(value).padStart(Math.max(1, Math.min(10, Math.trunc(width) || 1)), '0');
}

function fill(template: string, naming: TrackNaming, settings: DownloadSettings): string {
  const values: Record<string, string> = {
    music: naming.title,
    title: naming.title,
    artist: naming.artists.join(settings.artistSeparator),
    album: naming.album,
    ar_album: naming.albumArtists.join(settings.artistSeparator),
    tracknum: paddedNumber(naming.trackNumber, naming.totalTracks, settings),
    discnum: String(naming.discNumber),
    year: naming.releaseDate.slice(0, 4),
    date: naming.releaseDate,
    isrc: naming.isrc ?? '',
    playlist: naming.playlist ?? '',
    playlistnum: paddedNumber(naming.playlistNumber ?? naming.trackNumber, naming.totalTracks, settings),
  };
  return template.replace(/%([a-z_]+)%/g, (whole, key: string) => values[key] ?? whole);
}

/** The file extension and ffmpeg settings of an output format (`convertTo`, else the service's own). */
export interface OutputFormat {
  extension: string;
  codec: string;
  /** ffmpeg's default bitrate when `bitrate` is not set; undefined for lossless codecs. */
  defaultBitrate?: string;
  /** Whether the container takes an embedded cover picture (ffmpeg's attached_pic). */
  embedsCover: boolean;
}

const FORMATS: Record<string, OutputFormat> = {
  MP3: { extension: 'mp3', codec: 'libmp3lame', defaultBitrate: '128k', embedsCover: true },
  AAC: { extension: 'm4a', codec: 'aac', defaultBitrate: '128k', embedsCover: true },
  OGG: { extension: 'ogg', codec: 'libvorbis', defaultBitrate: '160k', embedsCover: false },
  OPUS: { extension: 'opus', codec: 'libopus', defaultBitrate: '96k', embedsCover: false },
  FLAC: { extension: 'flac', codec: 'flac', embedsCover: true },
  WAV: { extension: 'wav', codec: 'pcm_s16le', embedsCover: false },
  ALAC: { extension: 'm4a', codec: 'alac', embedsCover: true },
};

/** The name of the format a task writes (`MP3`, `OGG`, ...), as its history record shows it. */
export function outputFormatNameOf(settings: DownloadSettings): string {
  const format = outputFormatOf(settings);
  return Object.keys(FORMATS).find((name) => FORMATS[name] === format)!;
}

/** The formats `convertTo` accepts (upper case, as the original's). */
export const CONVERT_FORMATS = Object.keys(FORMATS);

/**
 * Without `convertTo` a track keeps the format its service delivers: Spotify's Ogg Vorbis, or
 * Deezer's MP3 (FLAC at `deezerQuality: FLAC`).
 */
export function outputFormatOf(settings: DownloadSettings): OutputFormat {
  const convert = settings.convertTo?.toUpperCase();
  if (convert && FORMATS[convert]) return FORMATS[convert];
  if (settings.service === 'deezer') return settings.quality === 'FLAC' ? FORMATS.FLAC! : FORMATS.MP3!;
  return FORMATS.OGG!;
}

/**
 * The track's path relative to the download directory: the directory template, then the track
 * template, each segment made safe; `userPrefix` is the owner's folder (`separateTracksByUser`).
 */
export function trackPathOf(naming: TrackNaming, settings: DownloadSettings, userPrefix?: string): string {
  const directory = fill(settings.customDirFormat, naming, settings)
    .split('/')
    .filter((part) => part.trim() !== '')
    .map(safeSegment);
  const file = `${safeSegment(fill(settings.customTrackFormat, naming, settings))}.${outputFormatOf(settings).extension}`;
  return [...(userPrefix ? [safeSegment(userPrefix)] : []), ...directory, file].join('/');
}
