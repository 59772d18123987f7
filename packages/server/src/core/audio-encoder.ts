import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioCodec, AudioSettings } from '@music-apis/domain';
import type { Logger } from './logger.js';

/**
 * Audio encoding through the ffmpeg command line (the Debian/Homebrew package, or `FFMPEG_PATH`).
 * Files in, files out: ffmpeg reads and writes local temporary files, which callers stream to and
 * from the blob store, so no track is held in memory whole.
 */
export interface AudioEncoder {
  /** Transcodes `input` to `output` with `settings`; `clip` cuts `length` seconds from `start`. */
  transcode(
    input: string,
    output: string,
    settings: AudioSettings,
    clip?: { start: number; length: number },
  ): Promise<void>;
  /** A PNG of the waveform (ffmpeg's showwavespic). */
  waveformImage(input: string, output: string): Promise<void>;
  /** Decodes `input` to mono signed 16-bit samples at `sampleRate`, handed over chunk by chunk. */
  decodeSamples(input: string, sampleRate: number, onSamples: (samples: Int16Array) => void): Promise<void>;
  /** The pixels of a `size`×`size` thumbnail of an image, as RGB bytes (for its palette). */
  thumbnailPixels(image: string, size: number): Promise<Uint8Array>;
  /**
   * Encodes `input` to mono AAC at `bitrate` kbit/s and cuts it into ADTS files of about
   * `seconds` each in `directory` (`0.aac`, `1.aac`, …), in one pass: the HLS packed-audio
   * segments of the streaming API. Each file's name and its start and end (s) on the timeline.
   */
  packedAudioSegments(
    input: string,
    directory: string,
    options: { seconds: number; bitrate: number },
  ): Promise<{ file: string; start: number; end: number }[]>;
}

const ENCODERS: Readonly<Record<AudioCodec, { encoder: string; format: string }>> = {
  aac: { encoder: 'aac', format: 'ipod' },
  mp3: { encoder: 'libmp3lame', format: 'mp3' },
  ogg: { encoder: 'libvorbis', format: 'ogg' },
  opus: { encoder: 'libopus', format: 'ogg' },
};

/** How much of ffmpeg's error output a failure message keeps (its last lines say what went wrong). */
const STDERR_TAIL = 600;

class FfmpegError extends Error {
  override name = 'FfmpegError';
}

function run(ffmpeg: string, args: string[], onStdout?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    child.stdout.on('data', (chunk: Buffer) => onStdout?.(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new FfmpegError(`ffmpeg exited with ${code}: ${stderr.trim() || 'no message'}`));
    });
  });
}

/**
 * The ffmpeg at `path` when it runs (`ffmpeg -version`), else undefined: the server then marks
 * processed tracks `incomplete` (only the original is kept) and says so at start.
 */
export async function detectFfmpeg(
  path: string,
  logger: Logger,
  /** What goes missing without it, for the warning (the collections API's by default). */
  without = 'uploaded tracks will end incomplete (no transcodes, previews or waveforms)',
): Promise<AudioEncoder | undefined> {
  try {
    await run(path, ['-version']);
  } catch (error) {
    logger.warn(
      { ffmpeg: path, reason: (error as Error).message },
      `ffmpeg is not available: ${without}; install ffmpeg or set FFMPEG_PATH`,
    );
    return undefined;
  }
  return createFfmpegEncoder(path);
}

export function createFfmpegEncoder(ffmpeg: string): AudioEncoder {
  return {
    async transcode(input, output, settings, clip) {
      const { encoder, format } = ENCODERS[settings.codec];
      await run(ffmpeg, [
        ...(clip ? ['-ss', String(clip.start), '-t', String(clip.length)] : []),
        '-i',
        input,
        '-map',
        '0:a:0',
        // An embedded cover is a video stream: kept (copied) only when asked and the container takes it.
        ...(settings.is_strip_cover || settings.codec !== 'mp3' ? [] : ['-map', '0:v?', '-c:v', 'copy']),
        ...(settings.is_strip_tags ? ['-map_metadata', '-1'] : []),
        '-ac',
        settings.is_stereo ? '2' : '1',
        '-c:a',
        encoder,
        '-b:a',
        `${settings.bitrate}k`,
        '-f',
        format,
        '-y',
        output,
      ]);
    },
    async waveformImage(input, output) {
      await run(ffmpeg, [
        '-i',
        input,
        '-filter_complex',
        // showwavespic needs a sample per column: a clip shorter than that is padded with silence.
        'aformat=channel_layouts=mono,apad=whole_len=1280,showwavespic=s=1280x240:colors=#1E88E5',
        '-frames:v',
        '1',
        '-f',
        'image2',
        '-c:v',
        'png',
        '-y',
        output,
      ]);
    },
    async decodeSamples(input, sampleRate, onSamples) {
      let carry: Buffer | undefined;
      await run(
        ffmpeg,
        ['-i', input, '-map', '0:a:0', '-ac', '1', '-ar', String(sampleRate), '-f', 's16le', 'pipe:1'],
        (chunk) => {
          // A chunk may end inside a sample: its odd byte waits for the next chunk.
          const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
          const even = bytes.length - (bytes.length % 2);
          carry = even < bytes.length ? bytes.subarray(even) : undefined;
          const samples = new Int16Array(even / 2);
          for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
          onSamples(samples);
        },
      );
    },
    async thumbnailPixels(image, size) {
      const parts: Buffer[] = [];
      await run(
        ffmpeg,
        [
          '-i',
          image,
          '-vf',
          `scale=${size}:${size}`,
          '-frames:v',
          '1',
          '-f',
          'rawvideo',
          '-pix_fmt',
          'rgb24',
          'pipe:1',
        ],
        (chunk) => parts.push(chunk),
      );
      return new Uint8Array(Buffer.concat(parts));
    },
    async packedAudioSegments(input, directory, { seconds, bitrate }) {
      const list = join(directory, 'segments.csv');
      await run(ffmpeg, [
        '-i',
        input,
        '-map',
        '0:a:0',
        '-map_metadata',
        '-1',
        '-ac',
        '1',
        '-c:a',
        'aac',
        '-b:a',
        `${bitrate}k`,
        // The segment muxer cuts between AAC frames and lists each file's start and end.
        '-f',
        'segment',
        '-segment_time',
        String(seconds),
        '-segment_format',
        'adts',
        '-segment_list',
        list,
        '-segment_list_type',
        'csv',
        '-y',
        join(directory, '%d.aac'),
      ]);
      return (await readFile(list, 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const [file, start, end] = line.trim().split(',');
          return { file: join(directory, file as string), start: Number(start), end: Number(end) };
        });
    },
  };
}

/** The ffmpeg runner, for callers whose commands are their own (the downloader's tagged files). */
export { run as runFfmpeg };
