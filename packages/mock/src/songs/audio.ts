/**
 * The mock's audio checks: the same limits and messages as the server, with the format headers
 * read by hand (WAV, AIFF, FLAC) so the mock needs no audio library in a browser.
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

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));

/** Same rules and Tika-style names as the server's `sniffAudioType`. */
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

interface AudioFormat {
  durationSeconds: number;
  sampleRate: number;
}

function readWav(bytes: Uint8Array, view: DataView): AudioFormat | undefined {
  let byteRate: number | undefined;
  let sampleRate: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 20 <= bytes.length) {
      sampleRate = view.getUint32(offset + 12, true);
      byteRate = view.getUint32(offset + 16, true);
    } else if (id === 'data') {
      if (!byteRate || !sampleRate) return undefined;
      return { durationSeconds: size / byteRate, sampleRate };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** The 80-bit IEEE 754 extended float AIFF stores its sample rate in. */
function extendedFloat(view: DataView, offset: number): number {
  const exponent = view.getUint16(offset) & 0x7fff;
  const mantissa = view.getUint32(offset + 2) * 2 ** 32 + view.getUint32(offset + 6);
  return mantissa * 2 ** (exponent - 16383 - 63);
}

function readAiff(bytes: Uint8Array, view: DataView): AudioFormat | undefined {
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, offset + 4);
    const size = view.getUint32(offset + 4);
    if (id === 'COMM' && offset + 26 <= bytes.length) {
      const frames = view.getUint32(offset + 10);
      const sampleRate = Math.round(extendedFloat(view, offset + 16));
      return sampleRate > 0 ? { durationSeconds: frames / sampleRate, sampleRate } : undefined;
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

function readFlac(bytes: Uint8Array, view: DataView): AudioFormat | undefined {
  // STREAMINFO is the first metadata block: 20 bits sample rate, then channels, depth, 36 bits samples.
  if (bytes.length < 26 || (bytes[4]! & 0x7f) !== 0) return undefined;
  const packed = view.getUint32(18);
  const sampleRate = packed >>> 12;
  const totalSamples = (packed & 0x0f) * 2 ** 32 + view.getUint32(22);
  return sampleRate > 0 ? { durationSeconds: totalSamples / sampleRate, sampleRate } : undefined;
}

export class AudioRejected extends Error {}

/** The upload report's facts, or `AudioRejected` with the server's 422 cause. */
export function inspectAudio(bytes: Uint8Array): { mimeType: string; extension: string } & AudioFormat {
  const size = bytes.length;
  if (size < AUDIO_LIMITS.minFileSize) throw new AudioRejected(`File is too small: ${size} bytes`);
  if (size > AUDIO_LIMITS.maxFileSize) throw new AudioRejected(`File is too large: ${size} bytes`);
  const mimeType = sniffAudioType(bytes.subarray(0, 16));
  const extension = ACCEPTED_AUDIO_TYPES[mimeType];
  if (!extension) throw new AudioRejected(`Unsupported media type: ${mimeType}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format =
    extension === 'wav'
      ? readWav(bytes, view)
      : extension === 'aiff'
        ? readAiff(bytes, view)
        : readFlac(bytes, view);
  if (!format || !Number.isFinite(format.durationSeconds)) {
    throw new AudioRejected(`Unsupported media type: ${mimeType} (the file could not be read)`);
  }
  if (format.durationSeconds < AUDIO_LIMITS.minDurationSeconds) {
    throw new AudioRejected(`Duration is too short: ${Math.floor(format.durationSeconds)} secs`);
  }
  if (format.sampleRate < AUDIO_LIMITS.minSampleRate) {
    throw new AudioRejected(`Sample rate is too low: ${format.sampleRate} Hz`);
  }
  return {
    mimeType,
    extension,
    durationSeconds: Math.floor(format.durationSeconds),
    sampleRate: format.sampleRate,
  };
}
