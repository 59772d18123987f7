import { COVER_COUNT } from './catalog.js';
import { COVER_JPEGS_BASE64 } from './covers.gen.js';

const decoded = new Map<number, Uint8Array>();

/** JPEG bytes of cover image `coverIndex` (0..COVER_COUNT-1). Works in Node and browsers. */
export function coverJpeg(coverIndex: number): Uint8Array {
  const index = ((coverIndex % COVER_COUNT) + COVER_COUNT) % COVER_COUNT;
  let bytes = decoded.get(index);
  if (!bytes) {
    const binary = atob(COVER_JPEGS_BASE64[index] as string);
    bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    decoded.set(index, bytes);
  }
  return bytes;
}
