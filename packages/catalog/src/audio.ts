/**
 * Demo audio: a 16-bit PCM WAV of a sine tone (or silence), built in memory. Deterministic and
 * browser-safe, so the mock, the server's demo data and the tests share one generator.
 */
export interface WavOptions {
  seconds: number;
  /** Default 44,100 Hz. */
  sampleRate?: number;
  /** Default 1 (mono). */
  channels?: number;
  /** Tone frequency in Hz; 0 (default) is silence, which compresses to nothing in test logs. */
  frequency?: number;
}

export function wavFile({
  seconds,
  sampleRate = 44_100,
  channels = 1,
  frequency = 0,
}: WavOptions): Uint8Array<ArrayBuffer> {
  const frames = Math.round(seconds * sampleRate);
  const blockAlign = channels * 2;
  const dataSize = frames * blockAlign;
  const bytes = new Uint8Array(44 + dataSize);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true); // byte rate
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  if (frequency > 0) {
    for (let frame = 0; frame < frames; frame++) {
      const sample = Math.round(Math.sin((2 * Math.PI * frequency * frame) / sampleRate) * 12_000);
      for (let channel = 0; channel < channels; channel++) {
        view.setInt16(44 + frame * blockAlign + channel * 2, sample, true);
      }
    }
  }
  return bytes;
}
