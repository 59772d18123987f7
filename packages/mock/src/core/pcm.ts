import { wavFile } from '@music-apis/catalog';

/**
 * Small audio and image tools for the mock's processing, browser-safe: 16-bit PCM WAV decoding
 * (first channel), WAV re-encoding at a low rate, and a grayscale PNG of a waveform.
 */

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

export interface Pcm {
  sampleRate: number;
  /** The first channel, −1…1. */
  samples: Float32Array;
}

/** The first channel of a 16-bit PCM WAV; undefined for any other file. */
export function decodePcmWav(bytes: Uint8Array): Pcm | undefined {
  if (ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 12) !== 'WAVE') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { channels: number; sampleRate: number; bits: number; pcm: boolean } | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 24 <= bytes.length) {
      format = {
        pcm: view.getUint16(offset + 8, true) === 1,
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bits: view.getUint16(offset + 22, true),
      };
    } else if (id === 'data') {
      if (!format?.pcm || format.bits !== 16 || format.channels < 1) return undefined;
      const frameBytes = format.channels * 2;
      const end = Math.min(bytes.length, offset + 8 + size);
      const frames = Math.floor((end - offset - 8) / frameBytes);
      const samples = new Float32Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        samples[frame] = view.getInt16(offset + 8 + frame * frameBytes, true) / 32768;
      }
      return { sampleRate: format.sampleRate, samples };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** A mono 16-bit WAV of `samples` (or `seconds` of silence when there are none) at `sampleRate`. */
export function encodeWav(
  samples: Float32Array | undefined,
  sampleRate: number,
  seconds: number,
): Uint8Array {
  const bytes = wavFile({ seconds, sampleRate });
  if (!samples) return bytes;
  const view = new DataView(bytes.buffer);
  const frames = Math.min(samples.length, (bytes.length - 44) / 2);
  for (let frame = 0; frame < frames; frame++) {
    view.setInt16(
      44 + frame * 2,
      Math.round(Math.max(-1, Math.min(1, samples[frame] as number)) * 32767),
      true,
    );
  }
  return bytes;
}

/** `seconds` of `pcm` from `start`, resampled (nearest sample) to `sampleRate`. */
export function resample(pcm: Pcm, sampleRate: number, start: number, seconds: number): Float32Array {
  const frames = Math.round(seconds * sampleRate);
  const out = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    const source = Math.floor((start + frame / sampleRate) * pcm.sampleRate);
    out[frame] = pcm.samples[source] ?? 0;
  }
  return out;
}

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** zlib data of `raw` in stored (uncompressed) deflate blocks: no compressor needed, still a valid PNG. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out.set([0x78, 0x01]);
  let at = 2;
  for (let block = 0; block < blocks; block++) {
    const chunk = raw.subarray(block * 65535, (block + 1) * 65535);
    out[at] = block === blocks - 1 ? 1 : 0;
    out[at + 1] = chunk.length & 0xff;
    out[at + 2] = chunk.length >> 8;
    out[at + 3] = ~chunk.length & 0xff;
    out[at + 4] = (~chunk.length >> 8) & 0xff;
    out.set(chunk, at + 5);
    at += 5 + chunk.length;
  }
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  new DataView(out.buffer).setUint32(at, ((b << 16) | a) >>> 0);
  return out;
}

/** A grayscale PNG, one column per level (0–1), bars centred vertically, `height` pixels high. */
export function waveformPng(levels: number[], height = 64): Uint8Array {
  const width = Math.max(1, levels.length);
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const half = ((levels[x] ?? 0) * height) / 2;
      raw[y * (width + 1) + 1 + x] = Math.abs(y + 0.5 - height / 2) <= half ? 0x1e : 0xff;
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array(4 + data.length);
    body.set(Array.from(type, (char) => char.charCodeAt(0)));
    body.set(data, 4);
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(body, 4);
    view.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    png.set(part, at);
    at += part.length;
  }
  return png;
}
