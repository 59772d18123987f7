import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { outputFormatOf, type TrackJob, type TrackProducer } from '@music-apis/domain';
import { runFfmpeg } from '../core/audio-encoder.js';
import type { ServerConfig } from '../core/config.js';

/**
 * The offline download provider: instead of fetching a stream from Spotify or Deezer, it makes
 * one real audio file per catalog track with ffmpeg — a tone in the output format the
 * configuration asks for (`convertTo`, else the service's own: Ogg Vorbis for Spotify, MP3 or
 * FLAC for Deezer), tagged with the track's title, artists, album, numbers, date and ISRC, its
 * cover embedded (and saved as `cover.jpg` beside it) when `saveCover` is on, written under the
 * naming templates into the download directory. Without `realTime` a track is
 * `DEMO_TRACK_SECONDS` long, so a demo album is produced in moments; with it, as long as the track.
 */

export const DEMO_TRACK_SECONDS = 3;

/** Where downloads are written: `DOWNLOADER_DOWNLOAD_DIR`, else `downloads/` in the data directory. */
export const downloadDirOf = (config: ServerConfig) =>
  config.downloader.downloadDir ?? join(config.dataDir, 'downloads');

/** A deterministic tone per track, so two tracks do not sound alike. */
const toneOf = (id: string) => 220 + (createHash('sha256').update(id).digest()[0]! % 64) * 10;
/** A deterministic cover colour per album. */
const colourOf = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 6);

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export function createOfflineTrackProducer(options: {
  downloadDir: string;
  ffmpegPath: string;
}): TrackProducer {
  let checked: Promise<string | undefined> | undefined;
  const partOf = (job: TrackJob) => {
    const target = join(options.downloadDir, job.path);
    return { target, part: join(dirname(target), `.part-${job.taskId}-${basename(target)}`) };
  };

  async function cover(job: TrackJob, directory: string): Promise<string> {
    const path = join(directory, 'cover.jpg');
    if (await exists(path)) return path;
    const part = join(directory, `.part-${job.taskId}-cover.jpg`);
    await runFfmpeg(options.ffmpegPath, [
      '-f',
      'lavfi',
      '-i',
      `color=c=0x${colourOf(job.track.album.id)}:s=300x300:d=1`,
      '-frames:v',
      '1',
      '-y',
      part,
    ]);
    await rename(part, path);
    return path;
  }

  return {
    unavailable() {
      checked ??= runFfmpeg(options.ffmpegPath, ['-version']).then(
        () => undefined,
        (error: Error) =>
          `ffmpeg is not available (${options.ffmpegPath}: ${error.message}): downloads need it to write audio files; install ffmpeg or set FFMPEG_PATH`,
      );
      return checked;
    },

    async produce(job) {
      const format = outputFormatOf(job.settings);
      const { target, part } = partOf(job);
      await mkdir(dirname(target), { recursive: true });
      const seconds = job.settings.realTime ? Math.max(1, job.track.duration_ms / 1000) : DEMO_TRACK_SECONDS;
      const coverFile = job.settings.saveCover ? await cover(job, dirname(target)) : undefined;
      const embed = coverFile !== undefined && format.embedsCover;
      const { naming } = job;
      const tags: Record<string, string | undefined> = {
        title: naming.title,
        artist: naming.artists.join(job.settings.artistSeparator),
        album: naming.album,
        album_artist: naming.albumArtists.join(job.settings.artistSeparator),
        track: `${naming.trackNumber}/${naming.totalTracks}`,
        disc: String(naming.discNumber),
        date: naming.releaseDate,
        ISRC: naming.isrc,
      };
      const bitrate = job.settings.bitrate ?? format.defaultBitrate;
      try {
        await runFfmpeg(options.ffmpegPath, [
          '-f',
          'lavfi',
          '-i',
          `sine=frequency=${toneOf(job.track.id)}:duration=${seconds}:sample_rate=44100`,
          ...(embed ? ['-i', coverFile] : []),
          '-map',
          '0:a',
          ...(embed
            ? [
                '-map',
                '1:v',
                '-c:v',
                'copy',
                '-disposition:v:0',
                'attached_pic',
                '-metadata:s:v',
                'comment=Cover (front)',
              ]
            : []),
          '-ac',
          '2',
          '-c:a',
          format.codec,
          ...(bitrate ? ['-b:a', bitrate] : []),
          ...Object.entries(tags).flatMap(([key, value]) => (value ? ['-metadata', `${key}=${value}`] : [])),
          ...(format.extension === 'mp3' ? ['-id3v2_version', '3'] : []),
          '-y',
          part,
        ]);
        // Whole or not at all: a reader of the download directory never sees a half-written track.
        await rename(part, target);
      } catch (error) {
        await rm(part, { force: true });
        throw new Error(`Could not write ${job.path}: ${(error as Error).message}`);
      }
    },

    async discard(job) {
      const { target, part } = partOf(job);
      await rm(part, { force: true });
      await rm(target, { force: true });
    },
  };
}
