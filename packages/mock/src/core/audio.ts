/**
 * Audio facts read from the file's own headers (WAV, AIFF, FLAC), so the mock needs no audio
 * library in a browser. The server reads the same facts with music-metadata.
 */

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

export interface AudioFormat {
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

/** Duration and sample rate of a WAV, AIFF or FLAC file; undefined when its header cannot be read. */
export function readAudioFormat(bytes: Uint8Array, extension: string): AudioFormat | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (extension === 'wav') return readWav(bytes, view);
  if (extension === 'aiff') return readAiff(bytes, view);
  if (extension === 'flac') return readFlac(bytes, view);
  return undefined;
}
